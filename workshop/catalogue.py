"""Every line that the workshop's own commands say to a learner, in both languages: one catalogue.

``workshop.verify``, ``workshop.reset``, ``workshop.progress``, ``workshop.coach``
and ``workshop.room`` speak through ``say``; an exercise's check.py writes its
own lines with ``both``. A learner reads them in their language: ``--lang zh``
or ``--lang en``, else Chinese where the locale is Chinese, else English.
"""

import locale
import os

LANGUAGES = ("en", "zh")

MESSAGES = {
    # workshop.verify
    "verify.passed": {"en": "✓ {line}", "zh": "✓ {line}"},
    "verify.missed": {
        "en": "✗ {line}\n    seen: {seen}\n    read: {hint}",
        "zh": "✗ {line}\n    看到的：{seen}\n    请读：{hint}"},
    "verify.hint": {"en": "hint {number} of {page}", "zh": "{page} 的提示 {number}"},
    "verify.all_passed": {
        "en": "Exercise {number} passes: every Expected of its page holds. {next}",
        "zh": "练习 {number} 通过了：页面上的每一条 Expected 都成立。{next}"},
    "verify.next_exercise": {
        "en": "Next: exercise {number}, {page}", "zh": "下一个：练习 {number}，{page}"},
    "verify.last_exercise": {
        "en": "That was the last one: well done.", "zh": "这是最后一个练习了，做得好。"},
    "verify.some_missed": {
        "en": "{missed} of {total} missed: read the hint named above, change your code, and run "
              "python -m workshop.verify {number} again.",
        "zh": "{total} 条里有 {missed} 条没有做到：读一读上面点名的提示，改好代码，再运行 "
              "python -m workshop.verify {number}。"},
    "verify.took": {"en": "({seconds:.1f} s)", "zh": "（用时 {seconds:.1f} 秒）"},
    "verify.list_heading": {
        "en": "The exercises, checked against your working tree:",
        "zh": "各个练习，对照你的工作目录检查的结果："},
    "verify.list_passes": {"en": "  {folder}: passes", "zh": "  {folder}：通过"},
    "verify.list_missing": {
        "en": "  {folder}: {missed} of {total} Expected not met yet",
        "zh": "  {folder}：{total} 条 Expected 里还有 {missed} 条没做到"},
    "verify.list_next": {
        "en": "Check one, with what is missing: python -m workshop.verify 01",
        "zh": "检查其中一个，并看看缺什么：python -m workshop.verify 01"},
    "verify.unknown": {
        "en": "No exercise {name}: give its number (01) or its folder's name ({example}).",
        "zh": "没有练习 {name}：请给出它的编号（01）或文件夹名（{example}）。"},
    "verify.needs": {
        "en": "Exercise {number} needs {package}: python -m pip install -r "
              "requirements-exercises.txt, then run this again.",
        "zh": "练习 {number} 需要 {package}：先运行 python -m pip install -r "
              "requirements-exercises.txt，再运行一次这个命令。"},
    "verify.not_started": {
        "en": "{step} did not start ({args}): {output}",
        "zh": "{step} 没有启动起来（{args}）：{output}"},
    "verify.stopped": {"en": "Stopped: nothing was left running.", "zh": "已停止：没有留下任何进程。"},
    # workshop.reset
    "reset.nothing": {
        "en": "{folders}: no edits of yours, nothing to reset.",
        "zh": "{folders}：你没有改动过，不需要还原。"},
    "reset.done": {
        "en": "{folders}: back as committed. Your edits are kept in git stash as \"{message}\": "
              "git stash pop brings them back.",
        "zh": "{folders}：已恢复成提交时的样子。你的改动保存在 git stash 里，名为“{message}”：运行 "
              "git stash pop 就能拿回来。"},
    "reset.no_git": {
        "en": "This folder is not a git clone, so nothing was changed: rename {folders} to keep "
              "your edits, then download the workshop again (or git clone it) and copy the "
              "step folders from there.",
        "zh": "这个目录不是 git 克隆出来的，所以什么都没有改动：先把 {folders} 改个名字保存你的改动，"
              "再重新下载工作坊（或者用 git clone），从那里把步骤文件夹拷过来。"},
    "reset.failed": {
        "en": "git could not keep your edits ({error}), so nothing was changed.",
        "zh": "git 没能保存你的改动（{error}），所以什么都没有改动。"},
}


def language(chosen=None):
    """The learner's language: chosen (--lang), else Chinese where the locale is, else English."""
    if chosen in LANGUAGES:
        return chosen
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        name = locale.getlocale()[0] or ""
    except ValueError:
        name = ""
    return "zh" if name.lower().startswith(("zh", "chinese")) else "en"


def say(key, lang, **fields):
    """The catalogue's line for key, in lang, with its fields filled in."""
    return MESSAGES[key][lang].format(**fields)


def both(en, zh):
    """A line of a check's own, in both languages: {"en": …, "zh": …}."""
    return {"en": en, "zh": zh}
