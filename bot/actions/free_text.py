"""Whether a message that opens a form already says what the matter is.

"Our broadband has been down since 8" describes a fault; "I'd like to report a
problem" does not, and storing it as the fault tells the technician nothing. A form
takes its free-text question (the fault, the complaint, the payment difficulty) from
the opening message only when this says so; otherwise it asks.
"""

import re

# Words of asking for help in general: they say what the customer wants to do, not
# what is wrong.
REQUEST_WORDS = frozenset(
    """
    a about am an and any anyone are as be been can could do does for from get got have
    having has hello help hey hi how i i'd i'm id im in is it it's its just like log
    looking make me my need needs new of on one open our please pls put query question
    quick raise re register report reporting s sort some someone something speak start
    that the there this to up us want wanted wanting was we we'd we're we've were what
    with would you your
    fault faults problem problems issue issues complaint complain complaining ticket case
    bill bills payment payments paying pay account
    """.split()
)
# Words that on their own say what went wrong.
SYMPTOMS = re.compile(
    r"\b(down|dead|not working|isn'?t working|stopped|no dial ?tone|no signal|no service|"
    r"no internet|no calls?|no connection|offline|outage|drop(s|ping|ped)?|cut(s|ting)? off|"
    r"slow|crackl\w*|nois\w*|echo\w*|intermittent\w*|keeps|broken|fail\w*|error\w*|"
    r"can'?t|cannot|won'?t|unable|never|rude|overcharged|charged|late|missed|wrong|"
    r"struggl\w*|afford|behind|arrears|short|lost|delay\w*)\b",
    re.IGNORECASE,
)
MIN_CONTENT_WORDS = 3


def describes_matter(text: str, products: list[str]) -> bool:
    """True when the message says what is wrong, beyond naming the service.

    ``products`` are the product phrases found in the message; naming the service
    alone ("a fault on my phone line") is not a description.
    """
    if SYMPTOMS.search(text):
        return True
    rest = text.lower()
    for phrase in products:
        rest = rest.replace(phrase.lower(), " ")
    words = re.findall(r"[a-z0-9']+", rest)
    return sum(word not in REQUEST_WORDS for word in words) >= MIN_CONTENT_WORDS


QUESTION = re.compile(
    r"\?\s*$|^\s*(what|what's|whats|how|when|where|who|which|why|can|could|do|does|is|are|"
    r"will|would|should|may)\b",
    re.IGNORECASE,
)


def looks_like_question(text: str) -> bool:
    """Asked as a question: a "?" at the end or a question word first.

    While a form waits for the customer's own words ("why are you cancelling?"),
    "moving offices" is the answer even if the classifier hears an address question
    in it; only a question is taken as a question to answer first.
    """
    return bool(QUESTION.search(text))
