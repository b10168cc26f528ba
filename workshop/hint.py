"""The next hint of an exercise: python -m workshop.hint EXERCISE [N] [--lang zh|en]

Prints the next hint of the exercise's page that you have not been shown yet (or
hint N, the one a miss of verify names), in your language, and remembers it (python -m workshop.progress lists the hints
taken; --reset there forgets them). After the last one it says so, and where the
reference answer is. The hints are the page's own: each <details> block headed
"Hint N" (提示 N), read from the page, so that they have one home.
"""

import re
import sys

from workshop import progress
from workshop.catalogue import language, say
from workshop.checkpoints import EXERCISES, exercise_folders, find_exercise
from workshop.command_line import OneLineParser

HINT = re.compile(r"<details><summary>(?:Hint|提示) (\d+)</summary>\s*(.*?)\s*</details>", re.S)


def hints(folder, lang):
    """[the text of hint 1, hint 2 …] of the exercise's page in lang."""
    page = EXERCISES / folder / ("README.zh-CN.md" if lang == "zh" else "README.md")
    found = sorted((int(number), text) for number, text in HINT.findall(page.read_text("utf-8")))
    return [text for _, text in found]


def main(argv=None):
    parser = OneLineParser(prog="python -m workshop.hint",
                           description="The next hint of an exercise, one at a time.")
    parser.add_argument("exercise", help="its number (01) or folder (01-idle-timeout)")
    parser.add_argument("which", nargs="?", type=int, help="a hint's number (default: the next)")
    parser.add_argument("--lang", choices=["zh", "en"], help="default: from your locale")
    args = parser.parse_args(argv)
    lang = language(args.lang)
    folder = find_exercise(args.exercise)
    if folder is None:
        parser.exit(2, say("verify.unknown", lang, name=args.exercise,
                           example=exercise_folders()[0]) + "\n")
    number, texts = folder[:2], hints(folder, lang)
    if args.which is not None:
        if not 1 <= args.which <= len(texts):
            parser.exit(2, say("hint.no_such", lang, number=number, which=args.which,
                               count=len(texts)) + "\n")
        progress.take_hint(number, args.which)
        print(say("hint.heading", lang, number=number, which=args.which, count=len(texts)))
        print(texts[args.which - 1])
        return 0
    shown = progress.hints_taken().get(number, 0)
    if shown >= len(texts):
        print(say("hint.none_left", lang, number=number, count=len(texts),
                  patch=f"exercises/{folder}/solution.patch"))
        return 0
    progress.take_hint(number)
    print(say("hint.heading", lang, number=number, which=shown + 1, count=len(texts)))
    print(texts[shown])
    return 0


if __name__ == "__main__":
    sys.exit(main())
