"""The control panel in a browser, for desktops where the Excel buttons cannot work (UOS/Kylin with WPS):
the same four steps, settings and status as the control workbook, through the same Panel seam — the
actions are ``actions.run``, whoever clicks.

Safe by construction: it listens on 127.0.0.1 only, on a free port, and answers only requests that carry
the run's secret token and come from its own page (Host and Origin checked, as Jupyter does against web
pages calling local servers).  It runs nothing but the four steps on its own year folder, opens nothing
but the steps' outputs, and stops when its page has been closed for a while.  Standard library only.
"""
from __future__ import annotations

import hmac
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from . import actions
from .panel import CONFLICTS_SAID, OpenpyxlPanel, as_text
from .problems import GongkaiError
from .steps import REPORT_SETTINGS, REQUIRED_FOR_REPORT, SETTING, SETTINGS, STEP, STEPS, SettingError, checked
from .workspace import Workspace

IDLE_SECONDS = 120          # the page polls every 2 s; this long without a request, the panel stops


class WebPanel(OpenpyxlPanel):
    """The control workbook (控制台.xlsm) as the store of settings and status, as for the .cmd files; the
    progress line is kept for the page.  Saves go through ``OpenpyxlPanel.flush``: only the cells set, on
    the workbook as it is now, one writer at a time — what WPS or another panel wrote meanwhile stays."""

    def __init__(self, console: Path):
        super().__init__(console, echo=False)
        self.line = ""
        self.lock = threading.Lock()          # one step at a time from this page

    def progress(self, text: str) -> None:
        self.line = text


@dataclass
class Server:
    """One panel on one year folder: the HTTP server, its token, the step that runs."""
    workspace: Workspace
    panel: WebPanel
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    running: str | None = None
    last_seen: float = field(default_factory=time.monotonic)
    httpd: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?t={self.token}"

    # ------------------------------------------------------------------ what the page sees and does
    def state(self) -> dict:
        p = self.panel
        if p.journal.exists() and not self.running:      # what waited for Excel/WPS to close: written once it can
            p.flush()

        def shown(group) -> list[dict]:
            return [{"name": s.name, "label": s.label, "note": s.note, "kind": s.kind, "choices": list(s.choices),
                     "value": _shown(p.get(s.name)), "required": s.name in REQUIRED_FOR_REPORT} for s in group]

        return {
            "title": f"政务公开工作台 — {self.workspace.root.name}",
            "folder": str(self.workspace.root),
            "settings": shown(SETTINGS),
            "report_settings": shown(REPORT_SETTINGS),
            "steps": [{"key": s.key, "number": s.number, "label": s.label, "status": as_text(p.get(s.status_name))
                       or "未运行", "output": s.output_text, "exists": _made(self.workspace.root / _local(s.output))}
                      for s in STEPS],
            "running": self.running, "progress": p.line if self.running else "",
            "message": as_text(p.get("GK_MESSAGE")) or "尚未运行任何步骤。",
            "held": "\n".join([p.held] + ([CONFLICTS_SAID, *p.conflicts] if p.conflicts else [])).strip(),
        }

    def save_settings(self, values: dict) -> dict:
        """Save what the page changed (only those settings), checked as the steps check them."""
        if self.running:
            return {"ok": False, "message": "正在运行一个步骤，请等它完成后再改设置。"}
        changed = {}
        for name, value in values.items():
            s = SETTING.get(name)
            if s is None:
                continue
            try:
                changed[name] = checked(s, value)
            except SettingError as exc:
                return {"ok": False, "message": f"{exc}。设置未保存。", "field": name}
        for name, value in changed.items():
            if not _same_setting(self.panel.get(name), value):
                self.panel.set(name, value)
        if not self.panel.flush():            # waits for Excel/WPS (kept), or a read-only folder (not saved: ok False)
            return {"ok": not self.panel.not_saved, "message": self.panel.held}
        said = self.panel.take_conflicts()
        if said:
            return {"ok": False, "message": CONFLICTS_SAID + "\n" + "\n".join(said)}
        return {"ok": True, "message": "设置已保存。" if changed else "设置没有改动。"}

    def start(self, key: str) -> dict:
        if key not in STEP:
            return {"ok": False, "message": "没有这一步。"}
        with self.panel.lock:
            if self.running:
                return {"ok": False, "message": f"“{STEP[self.running].label}”正在运行，请等它完成。"}
            self.running = key
        threading.Thread(target=self._run, args=(key,), daemon=True).start()
        return {"ok": True, "message": f"正在{STEP[key].label}……"}

    def _run(self, key: str) -> None:
        try:
            actions.run(key, self.panel)
        finally:
            self.running = None

    def open_output(self, key: str) -> dict:
        """Open a step's output (file or folder) with the desktop's own program; nothing else is opened."""
        step = STEP.get(key)
        if step is None:
            return {"ok": False, "message": "没有这一步。"}
        target = self.workspace.root / _local(step.output)
        if not _made(target):
            return {"ok": False, "message": f"还没有“{step.output}”：请先运行“{step.label}”。"}
        try:
            if sys.platform == "win32":
                os.startfile(str(target))                       # noqa: S606 - a fixed output of this folder
            else:
                opener = "open" if sys.platform == "darwin" else "xdg-open"
                subprocess.Popen([opener, str(target)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return {"ok": False, "message": f"无法自动打开，请在文件管理器中打开：{target}"}
        return {"ok": True, "message": f"已打开：{target}"}


def _made(target: Path) -> bool:
    """The step's output is there: the file, or a folder with something in it (init makes them empty)."""
    return target.is_file() or (target.is_dir() and any(target.iterdir()))


def _local(output: str) -> str:
    return output.replace("\\", os.sep)


def _same_setting(a, b) -> bool:
    return _shown(a) == _shown(b)


def _shown(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def make_handler(server: Server):
    class Handler(BaseHTTPRequestHandler):
        server_version = "gongkai"

        def log_message(self, *args) -> None:        # quiet: the terminal shows only what the office needs
            pass

        # -------------------------------------------------------------- the checks every request passes
        def _allowed(self) -> bool:
            port = server.port
            hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
            if self.headers.get("Host", "") not in hosts:
                return False
            origin = self.headers.get("Origin")
            if origin is not None and origin not in {f"http://{h}" for h in hosts}:
                return False
            query = parse_qs(urlsplit(self.path).query)
            given = self.headers.get("X-Gongkai-Token") or (query.get("t") or [""])[0]
            return hmac.compare_digest(given.encode(), server.token.encode())

        def _send(self, code: int, body: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, data: dict, code: int = 200) -> None:
            self._send(code, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

        def _refuse(self) -> None:
            self._send(403, "拒绝访问：请使用启动工作台时打开的页面。".encode("utf-8"), "text/plain; charset=utf-8")

        # -------------------------------------------------------------- routes
        def do_GET(self) -> None:
            if not self._allowed():
                return self._refuse()
            server.last_seen = time.monotonic()
            path = urlsplit(self.path).path
            if path == "/":
                return self._send(200, PAGE.encode("utf-8"), "text/html; charset=utf-8")
            if path == "/api/state":
                return self._json(server.state())
            return self._send(404, b"", "text/plain")

        def do_POST(self) -> None:
            if not self._allowed():
                return self._refuse()
            server.last_seen = time.monotonic()
            path = urlsplit(self.path).path
            declared = (self.headers.get("Content-Length") or "0").strip()
            length = int(declared) if declared.isdigit() else -1          # "-1", "abc": refused, not read
            if not 0 <= length <= 64 * 1024:
                self.close_connection = True                              # the body is never read past the cap
                return self._send(400, "请求无效。".encode("utf-8"), "text/plain; charset=utf-8")
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                body = {}
            if not isinstance(body, dict):
                body = {}
            if path == "/api/settings":
                return self._json(server.save_settings(body))
            if path.startswith("/api/run/"):
                return self._json(server.start(path.rsplit("/", 1)[-1]))
            if path.startswith("/api/open/"):
                return self._json(server.open_output(path.rsplit("/", 1)[-1]))
            return self._send(404, b"", "text/plain")

    return Handler


def start_panel(folder, port: int = 0) -> Server:
    """Start the panel for a year folder in a background thread; the caller waits or stops it."""
    ws = Workspace(Path(folder))
    if not ws.console.exists():
        raise GongkaiError.of("NO_WORKSPACE", Path(folder))
    server = Server(ws, WebPanel(ws.console))
    server.httpd = ThreadingHTTPServer(("127.0.0.1", port), make_handler(server))
    server.httpd.daemon_threads = True
    threading.Thread(target=server.httpd.serve_forever, daemon=True).start()
    return server


def serve(folder, open_browser: bool = True, idle: float = IDLE_SECONDS, say=print) -> Server:
    """Run the panel until its page has been closed for ``idle`` seconds (or Ctrl+C)."""
    server = start_panel(folder)
    say(f"政务公开工作台已启动：{server.url}")
    say("（只能在本机访问；关闭浏览器页面约两分钟后自动退出，也可按 Ctrl+C 退出）")
    if open_browser:
        webbrowser.open(server.url)
    try:
        while server.running or time.monotonic() - server.last_seen < idle:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    server.httpd.shutdown()
    server.httpd.server_close()
    return server


PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>政务公开工作台</title>
<style>
body{font-family:"Microsoft YaHei","WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;margin:24px;color:#222;max-width:980px}
h1{font-size:22px;margin:0 0 4px} .sub{color:#666;margin-bottom:16px}
table{border-collapse:collapse;width:100%;margin-bottom:16px} td,th{border:1px solid #ccc;padding:6px 8px;vertical-align:top}
th{background:#ddebf7;text-align:left;font-weight:normal} td.label{width:150px;background:#f7f7f7}
input,select{font-size:14px;padding:3px;width:260px} textarea{font-size:14px;width:360px;height:60px} .note{color:#777;font-size:12px}
button{font-size:15px;padding:6px 14px;cursor:pointer} button:disabled{cursor:default;opacity:.5}
.status{white-space:pre-wrap} #message{white-space:pre-wrap;border:1px solid #ccc;padding:10px;min-height:80px;background:#fafafa}
#progress{color:#c55a11;margin:6px 0;min-height:1.2em} .done{color:#2e7d32} .fail{color:#c00000} .warn{color:#c55a11}
#held{color:#c00000;white-space:pre-wrap}
.required:placeholder-shown{border:1px solid #c00000;background:#fff2f2} .required::placeholder{color:#c00000}
</style></head><body>
<h1 id="title">政务公开工作台</h1><div class="sub" id="folder"></div>
<table id="settings"><tr><th colspan="3">设置（改完点“保存设置”；运行各步骤前也会自动保存）</th></tr></table>
<table id="report_settings"><tr><th colspan="3">报告设置（年度报告的导语、落款使用；与控制台.xlsm 的“报告设置”表相同）</th></tr></table>
<button id="save">保存设置</button> <span id="held"></span>
<h2 style="font-size:17px">按 1→4 的顺序运行</h2>
<table id="steps"><tr><th>步骤</th><th>按钮</th><th>状态</th><th>输出</th></tr></table>
<div id="progress"></div>
<h2 style="font-size:17px">运行结果</h2><div id="message"></div>
<script>
var token = new URLSearchParams(location.search).get("t");
var built = false, busy = false;
function api(method, path, body, done) {
  var x = new XMLHttpRequest();
  x.open(method, path, true);
  x.setRequestHeader("X-Gongkai-Token", token);
  if (body) x.setRequestHeader("Content-Type", "application/json");
  x.onload = function () { if (x.status == 200) done(JSON.parse(x.responseText)); };
  x.send(body ? JSON.stringify(body) : null);
}
function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
function field(s) {
  var f;
  if (s.choices.length) { f = el("select"); s.choices.forEach(function (c) { var o = el("option", c); o.value = c; f.appendChild(o); }); }
  else if (s.kind == "long") { f = el("textarea"); }
  else { f = el("input"); f.type = s.kind == "date" ? "date" : (s.kind == "year" ? "number" : "text"); }
  f.id = s.name; f.value = s.value; f.dataset.was = f.value; f.className = "setting";
  if (s.required) { f.className += " required"; f.placeholder = "必填，尚未填写"; }
  return f;
}
function fields(table, list) {
  var t = document.getElementById(table);
  list.forEach(function (s) {
    var tr = el("tr"); tr.appendChild(el("td", s.label, "label"));
    var td = el("td"); td.appendChild(field(s)); tr.appendChild(td); tr.appendChild(el("td", s.note, "note")); t.appendChild(tr);
  });
}
function build(st) {
  fields("settings", st.settings); fields("report_settings", st.report_settings);
  var steps = document.getElementById("steps");
  st.steps.forEach(function (s) {
    var tr = el("tr"); tr.appendChild(el("td", "第" + s.number + "步"));
    var b = el("button", s.label); b.id = "run-" + s.key; b.onclick = function () { run(s.key); };
    var td = el("td"); td.appendChild(b); tr.appendChild(td);
    var stc = el("td", "", "status"); stc.id = "status-" + s.key; tr.appendChild(stc);
    var o = el("button", s.output); o.id = "open-" + s.key; o.onclick = function () { api("POST", "/api/open/" + s.key, null, show); };
    var td2 = el("td"); td2.appendChild(o); tr.appendChild(td2); steps.appendChild(tr);
  });
  built = true;
}
// only what this page changed is sent: what a colleague or WPS changed meanwhile is not reverted
function values() { var v = {}; document.querySelectorAll(".setting").forEach(function (f) { if (f.value != f.dataset.was) v[f.id] = f.value; }); return v; }
function saved(sent) { Object.keys(sent).forEach(function (k) { var f = document.getElementById(k); if (f) f.dataset.was = sent[k]; }); }
function show(r) { document.getElementById("message").textContent = r.message; }
function save(then) { var v = values(); api("POST", "/api/settings", v, function (r) { if (r.ok) saved(v); then(r); }); }
function run(key) { save(function (r) { if (!r.ok) { show(r); return; } api("POST", "/api/run/" + key, null, function (r2) { show(r2); poll(); }); }); }
function refresh(list) {       // settings changed elsewhere show here, unless being edited on this page
  list.forEach(function (s) {
    var f = document.getElementById(s.name);
    if (f && f !== document.activeElement && f.value == f.dataset.was && s.value != f.dataset.was) { f.value = s.value; f.dataset.was = f.value; }
  });
}
function render(st) {
  if (!built) build(st); else { refresh(st.settings); refresh(st.report_settings); }
  document.getElementById("held").textContent = st.held;
  document.getElementById("title").textContent = st.title;
  document.getElementById("folder").textContent = "年度工作文件夹：" + st.folder;
  busy = !!st.running;
  st.steps.forEach(function (s) {
    var c = document.getElementById("status-" + s.key);
    c.textContent = s.status; c.className = "status " + (s.status.indexOf("完成") == 0 ? "done" : (s.status.indexOf("失败") == 0 ? "fail" : (s.status == "未运行" ? "" : "warn")));
    document.getElementById("run-" + s.key).disabled = busy;
    document.getElementById("open-" + s.key).disabled = !s.exists;
  });
  document.getElementById("save").disabled = busy;
  document.getElementById("progress").textContent = st.running ? (st.progress || "运行中……") : "";
  if (!busy || !document.getElementById("message").textContent) document.getElementById("message").textContent = st.message;
}
function poll() { api("GET", "/api/state", null, render); }
document.getElementById("save").onclick = function () { save(show); };
poll(); setInterval(poll, 2000);
</script></body></html>
"""
