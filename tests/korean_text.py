"""What a Korean reader sees: the text nodes of a page, or the lines of a command's
output, and any English sentence left among them.

Shared by the Korean page, memo, portfolio and command-line tests.
"""

import re
from html.parser import HTMLParser

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Three Latin words in a row make an English sentence (or most of one).
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,:'-]+[A-Za-z]{2,}){2,}")
# What stays Latin on a Korean page: decision codes beside their Korean word, units,
# identifiers of the run and the software, and the rubric stage 7 cites by its name.
ALLOWED = {"GO", "ITERATE", "STOP", "KPI", "KRW", "POC", "SYNTHETIC", "sha256"}
ALLOWED |= {"ML", "Test", "Score", "Mo"}
# In a terminal line: a command to type (`playbook check x.yaml`), a path, a field.
_CODE = re.compile(r"`[^`]*`|\S*[/\\]\S*|\b[\w-]+\.[\w.\[\]-]+\b|--[\w-]+")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style", "code", "pre", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "code", "pre", "title")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(data.strip())


def text_nodes(html: str) -> list[str]:
    """Every text node a reader sees, outside scripts, styles and code."""
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def english_in(nodes: list[str], *, identifiers: tuple[str, ...] = ()) -> list[str]:
    """Each node holding an English sentence; `identifiers` (a POC's id) aside."""
    found = []
    for node in nodes:
        for match in ENGLISH.finditer(_without(node, identifiers)):
            words = set(re.findall(r"[A-Za-z0-9]+", match.group()))
            if not words <= ALLOWED:
                found.append(node)
    return found


def english_sentences(html: str, *, identifiers: tuple[str, ...] = ()) -> list[str]:
    """Each text node of a page holding an English sentence."""
    return english_in(text_nodes(html), identifiers=identifiers)


def english_lines(output: str, *, identifiers: tuple[str, ...] = ()) -> list[str]:
    """Each line of a command's output holding an English sentence.

    Commands to type, paths and charter fields (data.path) are code, not sentences.
    """
    lines = [_CODE.sub(" ", line) for line in output.splitlines() if line.strip()]
    return english_in(lines, identifiers=identifiers)


# A Latin word: letters, digits and underscores (a column name such as tenure_months).
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# The few Latin words a Korean page keeps beside ALLOWED, none a sentence's word:
# the drift and model-quality measures a Korean analyst writes in Latin (PSI, KS for
# Kolmogorov-Smirnov, ROC AUC, AP for average precision), a stage 5 test's and
# correction's proper names, the data contract's tool and its Data Docs,
# milliseconds, a hash's name (SHA-256), an id, the time zone, a role's title
# (DevOps, CCO of the demo charter) and the language code (report.language=ko).
IDENTIFIERS = ALLOWED | {"PSI", "KS", "ROC", "AUC", "AP", "Kolmogorov", "Smirnov"}
IDENTIFIERS |= {"Holm", "Great", "Expectations", "Data", "Docs", "ms", "SHA", "ID"}
IDENTIFIERS |= {"UTC", "DevOps", "CCO", "ko"}
# An IP address and a placeholder personal data is replaced by (<PHONE>) are named
# as the model sees them; the pandas types of the data contract's record are code.
IDENTIFIERS |= {"IP", "PHONE", "str", "int", "float"}
# Code inside a Korean sentence, beside what `_CODE` finds: a charter field with its
# value (kpi.contact_policy: break_even), a hash, and a term's Latin gloss in
# parentheses right after its Korean word (지문(fingerprint), 검증용(hold-out)).
_CODE_IN_SENTENCE = re.compile(
    r"\b\w+\.[\w.]+: [\w-]+|\b[0-9a-f]{12,}\b"
    r"|(?<=[\uac00-\ud7a3])\([A-Za-z][A-Za-z -]*\)"
)


def latin_words_in(nodes: list[str], *, identifiers: set[str]) -> list[str]:
    """Each node holding a Latin word of 2+ letters that is neither in IDENTIFIERS
    nor in `identifiers` (the run's: its data's columns and values, its POC id).

    Code in a node (a file name, a path, a charter field such as data.id) is no word.
    """
    allowed = IDENTIFIERS | identifiers
    found = []
    for node in nodes:
        words = LATIN_WORD.findall(_CODE.sub(" ", _CODE_IN_SENTENCE.sub(" ", node)))
        if any(
            sum(c.isalpha() for c in word) >= 2
            and word not in allowed
            and word.rstrip("0123456789") not in allowed
            for word in words
        ):
            found.append(node)
    return found


def _without(node: str, identifiers: tuple[str, ...]) -> str:
    for identifier in identifiers:
        node = node.replace(identifier, "")
    return node
