"""`python -m bot.rasa_server` hands Rasa's own parser the token, whatever it looks like."""

import secrets

import pytest
from rasa.__main__ import create_argument_parser

from bot.rasa_server import rasa_argv

OPTIONS = ["--enable-api", "--port", "5005", "--cors", "*", "--credentials", "credentials.yml"]


@pytest.mark.parametrize("token", ["-starts-with-a-dash", "--two", secrets.token_urlsafe(32)])
def test_rasa_reads_the_token_and_every_option(token: str) -> None:
    args = create_argument_parser().parse_args(rasa_argv(OPTIONS, token)[1:])
    assert args.auth_token == token
    assert (args.enable_api, args.port, args.cors) == (True, 5005, ["*"])
    assert args.credentials == "credentials.yml"
