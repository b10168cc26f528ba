"""Every line that the workshop's own commands say to a learner, in both languages: one catalogue.

``workshop.verify``, ``workshop.reset``, ``workshop.progress``, ``workshop.coach``
and ``workshop.room`` speak through ``say``; an exercise's check.py writes its
own lines with ``both``. A learner reads them in their language: ``--lang zh``
or ``--lang en``, else Chinese where the locale is Chinese, else English.
"""

import locale
import os

LANGUAGES = ("en", "zh")

#: The checkpoints that the coach notices, in the order of the walkthroughs, each with its line:
#: what happened, and why it matters. The exercises' are ex01, ex02 …, from workshop.verify.
CHECKPOINTS = {
    "step1-login": {
        "en": "step 1: a first login set the cookie, the whole session in it",
        "zh": "第 1 步：第一次登录设置了 Cookie，整个会话都在里面"},
    "step1-welcome": {
        "en": "step 1: welcomed by name: the cookie came back, and step 1 read it",
        "zh": "第 1 步：按名字欢迎：Cookie 被发回来，第 1 步读了它"},
    "step1-forged": {
        "en": "step 1: welcomed under a name it never gave a cookie to: you forged it, and step 1 "
              "believed it",
        "zh": "第 1 步：欢迎了一个它从没给过 Cookie 的名字：是你伪造的，而第 1 步信了"},
    "step1-replayed": {
        "en": "step 1: a cookie that a logout cleared was welcomed: logout cannot revoke a copy",
        "zh": "第 1 步：退出登录时已清除的 Cookie 仍然得到了欢迎：退出登录撤销不了副本"},
    "step1-signed-refused": {
        "en": "step 1 --signed: an edited cookie was a first login: the signature no longer matched",
        "zh": "第 1 步 --signed：改过的 Cookie 成了第一次登录：签名对不上了"},
    "step2-login": {
        "en": "step 2: a first login set the cookie: an id, and the session in Redis",
        "zh": "第 2 步：第一次登录设置了 Cookie：一个 id，会话在 Redis 里"},
    "step2-welcome": {
        "en": "step 2: welcomed by name: the id came back, and Redis had its session",
        "zh": "第 2 步：按名字欢迎：id 被发回来，Redis 里有它的会话"},
    "step2-forged-refused": {
        "en": "step 2: an id it never issued was a first login: an invented id opens nothing",
        "zh": "第 2 步：一个它从没发过的 id 成了第一次登录：编出来的 id 什么也打不开"},
    "step2-replay-refused": {
        "en": "step 2: an id that a logout ended was a first login: logout kills every copy",
        "zh": "第 2 步：退出登录结束的 id 成了第一次登录：退出登录让每份副本都失效"},
    "step2-redis-down": {
        "en": "step 2: a 503, Redis not answering: the store is now the app's fault too",
        "zh": "第 2 步：503，Redis 没有响应：存储的故障现在也是应用的故障"},
    "step2-recovered": {
        "en": "step 2: an answer again after a 503: it recovered with no restart",
        "zh": "第 2 步：503 之后又能正常响应了：不用重启就恢复了"},
}

MESSAGES = {
    # workshop.verify
    "verify.passed": {"en": "✓ {id} {line}", "zh": "✓ {id} {line}"},
    "verify.missed": {
        "en": "✗ {id} {line}\n{exchange}    seen: {seen}\n    read: {hint}",
        "zh": "✗ {id} {line}\n{exchange}    看到的：{seen}\n    请读：{hint}"},
    "verify.exchange": {
        "en": "    sent: {request}\n    got:  {response}\n    expected: {line}\n",
        "zh": "    发出的：{request}\n    收到的：{response}\n    预期的：{line}\n"},
    "verify.hint": {"en": "hint {number} of {page} (python -m workshop.hint {exercise} {number})",
                    "zh": "{page} 的提示 {number}（python -m workshop.hint {exercise} {number}）"},
    "verify.all_passed": {
        "en": "Exercise {number} passes: every Expected of its page holds. {next}",
        "zh": "练习 {number} 通过了：页面上的每一条预期结果都成立。{next}"},
    "verify.reference": {
        "en": "The reference answer is {patch}, a diff against the steps as committed; git diff "
              "shows yours in the same form, to read beside it.",
        "zh": "参考答案是 {patch}，即相对于提交时的步骤的 diff；git diff 会以同样的格式显示你的改动，"
              "可以放在一起对照着读。"},
    "verify.no_body": {"en": "(no body)", "zh": "（没有正文）"},
    "verify.next_exercise": {
        "en": "Next: exercise {number}, {page}", "zh": "下一个：练习 {number}，{page}"},
    "verify.last_exercise": {
        "en": "Every exercise passes: well done.", "zh": "每个练习都通过了，做得好。"},
    "verify.some_missed": {
        "en": "{missed} of {total} missed: read the hint named above (python -m workshop.hint "
              "{number} shows the next one), change your code, and run python -m workshop.verify "
              "{number} again.",
        "zh": "{total} 条里有 {missed} 条没有做到：读一读上面点名的提示（python -m workshop.hint "
              "{number} 给出下一条），改好代码，再运行 python -m workshop.verify {number}。"},
    "verify.some_missed_watching": {
        "en": "{missed} of {total} missed: read the hint named above (python -m workshop.hint "
              "{number} shows the next one), change your code, and save: it checks again.",
        "zh": "{total} 条里有 {missed} 条没有做到：读一读上面点名的提示（python -m workshop.hint "
              "{number} 给出下一条），改好代码并保存：它会再检查一遍。"},
    "verify.took": {"en": " ({seconds:.1f} s)", "zh": "（用时 {seconds:.1f} 秒）"},
    "verify.list_heading": {
        "en": "The exercises, checked against your working tree:",
        "zh": "各个练习，对照你的工作目录检查的结果："},
    "verify.list_passes": {"en": "  {folder}: passes", "zh": "  {folder}：通过"},
    "verify.list_missing": {
        "en": "  {folder}: {missed} of {total} Expected not met yet",
        "zh": "  {folder}：{total} 条预期结果里还有 {missed} 条没做到"},
    "verify.list_next": {
        "en": "Check one, with what is missing: python -m workshop.verify {number}",
        "zh": "检查其中一个，并看看缺什么：python -m workshop.verify {number}"},
    "verify.unknown": {
        "en": "No exercise {name}: give its number (01) or its folder's name ({example}).",
        "zh": "没有练习 {name}：请给出它的编号（01）或目录名（{example}）。"},
    "verify.needs": {
        "en": "Exercise {number} needs {package}: python -m pip install -r "
              "requirements-exercises.txt, then run this again.",
        "zh": "练习 {number} 需要 {package}：先运行 python -m pip install -r "
              "requirements-exercises.txt，再运行一次这个命令。"},
    "verify.not_started": {
        "en": "✗ {id} {line}\n    seen: {step} did not start: {output}\n"
              "    next: run python -m {step} yourself: it prints the whole error, with its file "
              "and line",
        "zh": "✗ {id} {line}\n    看到的：{step} 没有启动起来：{output}\n"
              "    下一步：自己运行 python -m {step}，它会打印完整的报错，包括出错的文件和行号"},
    "verify.watching": {
        "en": "Watching the step folders: save a file to check again; Ctrl+C to stop.",
        "zh": "正在监视步骤目录：每次保存文件都会重新检查；按 Ctrl+C 停止。"},
    "verify.watch_needs_one": {
        "en": "--watch checks one exercise: python -m workshop.verify 01 --watch",
        "zh": "--watch 只能用于单个练习，请指定编号：python -m workshop.verify 01 --watch"},
    "hint.heading": {"en": "Exercise {number}, hint {which} of {count}:",
                     "zh": "练习 {number}，提示 {which}（共 {count} 条）："},
    "hint.no_such": {"en": "Exercise {number} has hints 1 to {count}, not {which}.",
                     "zh": "练习 {number} 只有提示 1 到 {count}，没有提示 {which}。"},
    "hint.none_left": {
        "en": "Exercise {number} has no more hints: you have seen all {count}. The reference answer "
              "is {patch}; git apply --check {patch} shows whether it fits your tree, and the "
              "exercises page says how to look at it and come back to yours.",
        "zh": "练习 {number} 没有更多提示了：{count} 条你都看过了。参考答案在 {patch}；"
              "git apply --check {patch} 可以检查它能否应用到你的工作目录上，练习页面说明了怎样看它、"
              "看完怎样回到你自己的答案。"},
    "verify.stopped": {"en": "Stopped: nothing was left running.", "zh": "已停止：没有留下任何进程。"},
    # workshop.coach, workshop.progress, the room
    "coach.banner": {
        "en": "THE COACH is watching {step}: it notes each checkpoint you reach. To tell a cookie "
              "{step_short} issued from one you forged, it remembers fingerprints of the cookies: "
              "the coach remembers; {step_short} does not.",
        "zh": "教练正在看着 {step}：你到达的每个检查点它都会记下。为了分清哪些 Cookie 是"
              "{step_short}发的、哪些是你伪造的，它记着这些 Cookie 的指纹：记住它们的是教练，"
              "不是{step_short}。"},
    "coach.checkpoint": {"en": "★ {line}", "zh": "★ {line}"},
    "coach.room": {
        "en": "Reporting checkpoints to the room's board as {name}: {room}",
        "zh": "以 {name} 的名字向现场看板报告检查点：{room}"},
    "coach.room_down": {
        "en": "The room's board at {room} does not answer: checkpoints stay on this laptop "
              "(python -m workshop.progress).",
        "zh": "现场看板 {room} 没有响应：检查点只留在这台电脑上（python -m workshop.progress）。"},
    "coach.room_needs_name": {
        "en": "--room needs a name too: --name, or WORKSHOP_NAME.",
        "zh": "--room 还需要一个名字：--name，或者 WORKSHOP_NAME。"},
    "coach.room_bad_name": {
        "en": "Your name for the board is 1 to 32 characters of plain text, with no control, "
              "zero-width or bidi character; a terminal that is not UTF-8 garbles it: set it "
              "again with --name.",
        "zh": "你在看板上用的名字必须是 1 到 32 个字符的纯文本，不能含控制字符、零宽字符或双向控制字符；"
              "终端不是 UTF-8 时名字会变成乱码：请用 --name 重新设置。"},
    "room.title": {"en": "The room's checkpoints", "zh": "现场的检查点"},
    "room.learner": {"en": "learner", "zh": "学员"},
    "room.learners": {"en": "learners", "zh": "位学员"},
    "room.url": {
        "en": "The room's board: {url}\nGive learners that URL: WORKSHOP_ROOM={url} "
              "WORKSHOP_NAME=<their name> python -m workshop.coach step1_cookie_session. "
              "Anyone with the URL can write any row. Type remove NAME to drop a row; "
              "Ctrl+C stops it.",
        "zh": "现场看板：{url}\n把这个网址发给学员：WORKSHOP_ROOM={url} "
              "WORKSHOP_NAME=<他们的名字> python -m workshop.coach step1_cookie_session。"
              "拿到网址的任何人都能写任何一行。输入 remove 名字 可以删掉一行；按 Ctrl+C 停止。"},
    "room.join": {"en": "To join, each learner types, with a name of their own:",
                  "zh": "加入的方法：每个学员输入下面这行，名字自己起："},
    "room.removed": {"en": "Removed {name} from the board.", "zh": "已从看板上删掉 {name}。"},
    "room.no_such_row": {"en": "No row called {name}.", "zh": "看板上没有叫 {name} 的一行。"},
    "room.orders": {"en": "Type remove NAME to drop a row; Ctrl+C stops the board.",
                    "zh": "输入 remove 名字 可以删掉一行；按 Ctrl+C 停止看板。"},
    "room.final": {"en": "The board at the end:\n{table}", "zh": "看板的最终结果：\n{table}"},
    "progress.hints": {"en": "Hints taken, by exercise: {taken}", "zh": "各练习看过的提示数：{taken}"},
    "progress.step1": {"en": "Step 1, the session in the cookie:", "zh": "第 1 步，会话在 Cookie 里："},
    "progress.step2": {"en": "Step 2, the session in Redis:", "zh": "第 2 步，会话在 Redis 里："},
    "progress.exercises": {"en": "Exercises:", "zh": "练习："},
    "progress.next": {
        "en": "{done} done. Run a step with python -m workshop.coach to have them noted.",
        "zh": "已完成 {done} 个。用 python -m workshop.coach 运行一步，就会记下检查点。"},
    "progress.reset": {
        "en": "Every checkpoint, and every hint taken, is forgotten (.workshop/progress.json is "
              "gone). A coach that is still running remembers its run: restart it to begin "
              "afresh.",
        "zh": "所有检查点和看过的提示都已清除（.workshop/progress.json 已删除）。"
              "正在运行的教练程序仍保留本次运行的记录；要从头开始，请重启它。"},
    "progress.exercise": {"en": "exercise {number} passes", "zh": "练习 {number} 通过"},
    "progress.legend": {"en": "✓ reached, · not yet:", "zh": "✓ 已到达，· 还没到达："},
    # workshop.reset
    "reset.nothing": {
        "en": "{folders}: no edits of yours, nothing to reset.",
        "zh": "{folders}：你没有改动过，不需要还原。"},
    "reset.done": {
        "en": "{folders}: back as committed. The edits are kept in git stash as \"{message}\": "
              "python -m workshop.reset --restore {stamp} brings back these very ones.",
        "zh": "{folders}：已恢复成提交时的样子。这些改动保存在 git stash 里，名为“{message}”：运行 "
              "python -m workshop.reset --restore {stamp}，拿回的就是这一份改动。"},
    "reset.yours": {"en": "your edits to {folders}", "zh": "你对 {folders} 的改动"},
    "reset.reference": {"en": "exercise {number}'s reference answer in {folders}",
                        "zh": "{folders} 里练习 {number} 的参考答案"},
    "reset.restored": {"en": "Brought back: \"{message}\".", "zh": "已拿回：“{message}”。"},
    "reset.no_such_stash": {
        "en": "No stash of workshop.reset has the stamp {stamp}: git stash list shows them all.",
        "zh": "找不到标记为 {stamp} 的 workshop.reset stash：用 git stash list 可以查看全部。"},
    "reset.failed_restore": {
        "en": "git could not bring the edits back ({error}): they are still in git stash list.",
        "zh": "git 没能拿回这些改动（{error}）：它们还在 git stash list 里。"},
    "reset.no_git": {
        "en": "This folder is not a git clone, so nothing was changed: rename {folders} to keep "
              "your edits, then download the workshop again (or git clone it) and copy the "
              "step folders from there.",
        "zh": "这个目录不是 git 克隆出来的，所以什么都没有改动：先把 {folders} 改个名字保存你的改动，"
              "再重新下载工作坊（或者用 git clone），从那里把步骤目录拷过来。"},
    "reset.failed": {
        "en": "git could not keep your edits ({error}), so nothing was changed.",
        "zh": "git 没能保存你的改动（{error}），所以什么都没有改动。"},
}


def language(chosen=None):
    """The learner's language: chosen (--lang), else Chinese where the locale is, else English.
    LANGUAGE, gettext's list of preferred languages (zh_CN:en), comes first, as there."""
    if chosen in LANGUAGES:
        return chosen
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        name = locale.getlocale()[0] or ""
    except ValueError:
        name = ""
    return "zh" if name.lower().startswith(("zh", "chinese")) else "en"


def checkpoint_line(checkpoint, lang):
    """What a checkpoint means, in lang: a step's from CHECKPOINTS, an exercise's (ex01) made."""
    if checkpoint in CHECKPOINTS:
        return CHECKPOINTS[checkpoint][lang]
    return say("progress.exercise", lang, number=checkpoint[2:])


def say(key, lang, **fields):
    """The catalogue's line for key, in lang, with its fields filled in."""
    return MESSAGES[key][lang].format(**fields)


def both(en, zh):
    """A line of a check's own, in both languages: {"en": …, "zh": …}."""
    return {"en": en, "zh": zh}
