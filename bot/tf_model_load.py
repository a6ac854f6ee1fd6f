"""DIET's and TED's TensorFlow models loaded without tracing a training step.

Rasa's `RasaModel.load` creates a model's weights by training it on one example
(`fit`), then overwrites them with the saved ones, then traces the first prediction.
Tracing that training step took 5 s for DIET and 12 s for TED: over half of the
server's cold start (`make bench-compare`). Here the example's loss is computed once,
eagerly: that creates the same weights (layers are matched to the saved ones by name)
without the optimizer's, which prediction does not need. Tracing the first prediction,
as Rasa does, then creates the layers only prediction uses. TensorFlow restores a
layer's saved weights when the layer is created, reading the model's files, so this
happens before loading returns: Rasa may delete the files once the model is loaded
(`rasa test` does). The restore must fill every weight the model has, or loading fails.
Fine-tuning (`rasa train --finetune`) keeps Rasa's own load: it needs the optimizer.
Installed by bot/rasa_cli.py, Rasa's entry point here.
"""

from typing import Any

from rasa.utils.tensorflow.constants import RUN_EAGERLY
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

RASA_LOAD = RasaModel.load.__func__  # Rasa's own, for fine-tuning


def load(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """`RasaModel.load` for prediction, with the weights created eagerly."""
    if finetune_mode:
        return RASA_LOAD(cls, model_file_name, model_data_example, predict_data_example,
                         finetune_mode, *args, **kwargs)  # fmt: skip
    model = cls(*args, **kwargs)
    model.run_eagerly = kwargs.get("config", {}).get(RUN_EAGERLY)
    batch, _ = RasaBatchDataGenerator(model_data_example, batch_size=1)[0]
    model._training = True  # the training graph: every layer the saved weights have
    model.batch_loss(batch)
    model._training = False
    restore = model.load_weights(model_file_name).expect_partial()
    restore.assert_existing_objects_matched()
    if predict_data_example:
        model.run_inference(predict_data_example)  # traces prediction, as Rasa does
        restore.assert_existing_objects_matched()  # the layers only prediction uses
    return model


def install() -> None:
    """Every DIET and TED loaded from here on (bot/rasa_cli.py calls it)."""
    RasaModel.load = classmethod(load)
