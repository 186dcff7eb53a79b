"""A small HTTP server that stands in for the Hugging Face Hub's *upload* side, which no server here runs.

It speaks the few endpoints ``create_repo``, ``create_branch``, ``model_info``, ``hf_hub_download`` and
``create_commit`` use (every file is asked to be sent inline, "regular", so no LFS/Xet storage is needed),
keeps the repos in memory and records every request, headers included, for the tests to inspect.
"""
from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import yaml


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Branch:
    commit: str
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Repo:
    private: bool
    branches: dict[str, Branch]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class HubRecorder:
    def __init__(self, *, refuse_token: str | None = None, fail_commits: tuple[int, ...] = ()) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[Request] = []
        self.commits: list[tuple[str, str, list[str]]] = []  # (repo, branch, paths) per commit
        self.cards: list[dict] = []  # the YAML metadata of every README validated
        self.refuse_token = refuse_token  # answer 401 to requests carrying this token
        self.fail_commits = set(fail_commits)  # answer 503 to these commit attempts (1-based): a broken upload
        self._commit_attempts = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HubRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep the test output clean
                pass

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with hub._lock:
                    hub.requests.append(Request(self.command, self.path, dict(self.headers), body))
                    auth = self.headers.get("Authorization", "")
                    if hub.refuse_token and hub.refuse_token in auth:
                        return self._json(401, {"error": "Invalid credentials"}, error_code="Unauthorized")
                    status, payload, headers = hub._route(self.command, urlsplit(self.path).path, body)
                if isinstance(payload, bytes):
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                else:
                    self._json(status, payload, error_code=headers.get("X-Error-Code"))

            def _json(self, status: int, payload: object, *, error_code: str | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if error_code:
                    self.send_header("X-Error-Code", error_code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_HEAD = _serve

        return Handler

    def put_file(self, repo_id: str, path: str, data: bytes, *, branch: str = "main") -> None:
        """A commit made on the Hub by someone else (a README written by hand, say)."""
        with self._lock:
            b = self.repos[repo_id].branches[branch]
            b.files[path] = data
            b.commit = hashlib.sha1(b.commit.encode() + data).hexdigest()

    def header(self, request: Request, name: str) -> str | None:
        return next((v for k, v in request.headers.items() if k.lower() == name.lower()), None)

    # -- the Hub's endpoints -------------------------------------------------------------------
    def _route(self, method: str, path: str, body: bytes) -> tuple[int, object, dict[str, str]]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:3] == ["api", "repos", "create"]:
            return self._create(json.loads(body))
        if parts[:2] == ["api", "validate-yaml"]:
            return self._validate_card(json.loads(body)["content"])
        if parts[:2] == ["api", "models"] and len(parts) >= 6:
            repo_id, action, rev = "/".join(parts[2:4]), parts[4], "/".join(parts[5:])
            repo = self.repos.get(repo_id)
            if repo is None:
                return 404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"}
            if action == "branch":
                repo.branches.setdefault(rev, Branch(repo.branches["main"].commit,
                                                     dict(repo.branches["main"].files)))
                return 200, {}, {}
            branch = repo.branches.get(rev)
            if branch is None:
                return 404, {"error": "Revision not found"}, {"X-Error-Code": "RevisionNotFound"}
            if action == "revision":
                return 200, self._info(repo_id, branch), {}
            if action == "preupload":
                files = json.loads(body)["files"]
                return 200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                       for f in files]}, {}
            if action == "commit":
                self._commit_attempts += 1
                if self._commit_attempts in self.fail_commits:
                    return 503, {"error": "Service unavailable (the recorder's injected failure)"}, {}
                return self._commit(repo_id, rev, branch, body)
        if len(parts) >= 5 and parts[2] == "resolve":
            repo = self.repos.get("/".join(parts[:2]))
            branch = repo.branches.get(parts[3]) if repo else None
            data = branch.files.get("/".join(parts[4:])) if branch else None
            if data is None:
                return 404, {"error": "Entry not found"}, {"X-Error-Code": "EntryNotFound"}
            return 200, data, {"X-Repo-Commit": branch.commit, "ETag": f'"{git_blob_id(data)}"'}
        return 404, {"error": f"the recorder does not speak {method} {path}"}, {}

    def _create(self, request: dict) -> tuple[int, object, dict[str, str]]:
        repo_id = f"{request['organization']}/{request['name']}" if request.get("organization") else request["name"]
        if repo_id in self.repos:
            return 409, {"error": "You already created this model repo", "url": f"{self.endpoint}/{repo_id}"}, {}
        private = bool(request.get("private")) or request.get("visibility") == "private"
        self.repos[repo_id] = Repo(private, {"main": Branch(hashlib.sha1(repo_id.encode())
                                                                                  .hexdigest())})
        return 200, {"url": f"{self.endpoint}/{repo_id}"}, {}

    def _validate_card(self, content: str) -> tuple[int, object, dict[str, str]]:
        """The Hub checks a README's YAML front matter before a commit that changes it; so does this."""
        head, sep, _ = content.removeprefix("---\n").partition("\n---")
        meta = yaml.safe_load(head) if content.startswith("---\n") and sep else None
        if not isinstance(meta, dict):
            return 400, {"errors": [{"message": "expected YAML metadata between --- lines"}]}, {}
        self.cards.append(meta)
        return 200, {"errors": [], "warnings": []}, {}

    def _info(self, repo_id: str, branch: Branch) -> dict:
        return {"id": repo_id, "modelId": repo_id, "sha": branch.commit, "private": self.repos[repo_id].private,
                "siblings": [{"rfilename": p, "size": len(d), "blobId": git_blob_id(d)}
                             for p, d in sorted(branch.files.items())]}

    def _commit(self, repo_id: str, rev: str, branch: Branch, body: bytes) -> tuple[int, object, dict[str, str]]:
        paths = []
        for line in body.decode().splitlines():
            item = json.loads(line)
            if item["key"] == "file":
                value = item["value"]
                branch.files[value["path"]] = base64.b64decode(value["content"])
                paths.append(value["path"])
            elif item["key"] != "header":
                return 400, {"error": f"the recorder takes inline files only, got {item['key']}"}, {}
        branch.commit = hashlib.sha1(branch.commit.encode() + body).hexdigest()
        self.commits.append((repo_id, rev, paths))
        return 200, {"commitUrl": f"{self.endpoint}/{repo_id}/commit/{branch.commit}",
                     "commitOid": branch.commit}, {}
