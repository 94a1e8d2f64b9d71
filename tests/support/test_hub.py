#!/usr/bin/python3
"""A stand-in for the Hugging Face hub on 127.0.0.1, for the hub tests (standard library only).

Speaks what ViTLens uses: GET /api/models/ORG/NAME/revision/REV (sha + siblings),
HEAD/GET /ORG/NAME/resolve/REV/FILE. Small files answer with a relative 307 to
/api/resolve-cache/models/ORG/NAME/COMMIT/FILE, which serves them with their git blob sha1 as
ETag, as the hub does today; LFS files (weights) answer with a 302 to a second server (the "CDN", another
port, as cdn-lfs.huggingface.co is another host) plus X-Linked-Etag (sha256) and
X-Linked-Size, and the CDN honours Range. Errors carry X-Error-Code as the hub's do:
RepoNotFound (401), GatedRepo (401 on files without the right token; a gated repository's
model info is public, as on the hub), RevisionNotFound and EntryNotFound (404). Every request is logged as a JSON line so tests can see what was asked.

  test_hub.py --port-file F --log F --repo ORG/NAME=DIR [--repo ...] [--gated ORG/NAME]
              [--token T] [--drop-once FILE] [--cdn-rate BYTES_PER_SECOND]
--drop-once FILE: the first CDN download of FILE sends half its bytes, then closes.
--corrupt FILE: the CDN flips a byte of FILE (its sha256 no longer matches its ETag).
--cdn-rate: the CDN sends no faster than this (for screenshots of a download under way).
"""
import argparse
import hashlib
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

LFS_SUFFIXES = (".safetensors", ".bin", ".pth", ".msgpack", ".h5", ".onnx")
TAGS = ("v1.0",)


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Repo:
    def __init__(self, repo_id, folder):
        self.id = repo_id
        self.commit = hashlib.sha1(repo_id.encode()).hexdigest()
        self.files = {}
        for root, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(root, name)
                with open(path, "rb") as f:
                    self.files[os.path.relpath(path, folder)] = f.read()

    def knows(self, revision):
        return revision in ("main", self.commit) + TAGS


class Hub:
    def __init__(self, args):
        self.repos = {}
        for spec in args.repo:
            repo_id, folder = spec.split("=", 1)
            self.repos[repo_id] = Repo(repo_id, folder)
        self.blobs = {hashlib.sha256(data).hexdigest(): (name, data) for r in self.repos.values() for name, data in r.files.items()}
        self.gated = set(args.gated)
        self.token = args.token
        self.drop_once = set(args.drop_once)
        self.corrupt = set(args.corrupt)
        self.lock = threading.Lock()
        self.log_file = open(args.log, "a", buffering=1)
        self.cdn_port = 0
        self.cdn_rate = args.cdn_rate

    def log(self, server, handler):
        entry = {"server": server, "method": handler.command, "path": handler.path,
                 "range": handler.headers.get("Range"), "auth": handler.headers.get("Authorization")}
        with self.lock:
            self.log_file.write(json.dumps(entry) + "\n")


def make_handler(hub, server_name):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, headers=None, body=b"", send_body=True):
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and self.command != "HEAD":
                self.wfile.write(body)

        def error(self, status, code):
            self.reply(status, {"X-Error-Code": code, "Content-Type": "application/json"}, json.dumps({"error": code}).encode())

        def do_HEAD(self):
            self.do_GET()

        def do_GET(self):
            hub.log(server_name, self)
            if server_name == "cdn":
                return self.cdn()
            parts = [unquote(p) for p in self.path.split("?")[0].split("/")[1:]]
            if parts[:2] == ["api", "models"] and len(parts) == 6 and parts[4] == "revision":
                return self.model_info(parts[2] + "/" + parts[3], parts[5])
            if parts[:3] == ["api", "resolve-cache", "models"] and len(parts) >= 7:
                return self.resolve_cache(parts[3] + "/" + parts[4], parts[5], "/".join(parts[6:]))
            if len(parts) >= 5 and parts[2] == "resolve":
                return self.resolve(parts[0] + "/" + parts[1], parts[3], "/".join(parts[4:]))
            self.error(404, "EntryNotFound")

        def repo(self, repo_id, revision, gate=True):
            repo = hub.repos.get(repo_id)
            if repo is None:
                self.error(401, "RepoNotFound")
                return None
            if gate and repo_id in hub.gated and self.headers.get("Authorization") != "Bearer " + hub.token:
                self.error(401, "GatedRepo")
                return None
            if not repo.knows(revision):
                self.error(404, "RevisionNotFound")
                return None
            return repo

        def model_info(self, repo_id, revision):
            repo = self.repo(repo_id, revision, gate=False)
            if repo:
                info = {"id": repo_id, "sha": repo.commit, "siblings": [{"rfilename": n} for n in sorted(repo.files)]}
                self.reply(200, {"Content-Type": "application/json"}, json.dumps(info).encode())

        def resolve(self, repo_id, revision, name):
            repo = self.repo(repo_id, revision)
            if not repo:
                return
            data = repo.files.get(name)
            if data is None:
                return self.error(404, "EntryNotFound")
            common = {"X-Repo-Commit": repo.commit}
            if name.endswith(LFS_SUFFIXES):
                sha = hashlib.sha256(data).hexdigest()
                host = self.headers.get("Host", "127.0.0.1").split(":")[0]
                common.update({"X-Linked-Etag": '"%s"' % sha, "X-Linked-Size": str(len(data)), "ETag": '"%s"' % git_blob_sha1(data)[:20],
                               "Location": "http://%s:%d/lfs/%s" % (host, hub.cdn_port, sha)})
                return self.reply(302, common)
            location = "/api/resolve-cache/models/%s/%s/%s" % (repo_id, repo.commit, quote(name))
            self.reply(307, {"Location": location})

        def resolve_cache(self, repo_id, commit, name):
            repo = self.repo(repo_id, commit)
            if not repo:
                return
            data = repo.files.get(name)
            if data is None:
                return self.error(404, "EntryNotFound")
            self.reply(200, {"X-Repo-Commit": repo.commit, "ETag": '"%s"' % git_blob_sha1(data)}, data)

        def cdn(self):
            sha = self.path.split("?")[0].rsplit("/", 1)[-1]
            if sha not in hub.blobs:
                return self.reply(404)
            name, data = hub.blobs[sha]
            if name in hub.corrupt:
                data = bytes([data[0] ^ 1]) + data[1:]
            start = 0
            ranged = self.headers.get("Range")
            if ranged and ranged.startswith("bytes=") and ranged.endswith("-"):
                start = int(ranged[6:-1])
                if start >= len(data):
                    return self.reply(416, {"Content-Range": "bytes */%d" % len(data)})
            body = data[start:]
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "HEAD":
                return
            with hub.lock:
                drop = name in hub.drop_once and start == 0
                hub.drop_once.discard(name)
            if drop:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if not hub.cdn_rate:
                return self.wfile.write(body)
            chunk = max(1, hub.cdn_rate // 10)
            for begin in range(0, len(body), chunk):
                self.wfile.write(body[begin:begin + chunk])
                time.sleep(0.1)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--repo", action="append", default=[])
    parser.add_argument("--gated", action="append", default=[])
    parser.add_argument("--token", default="hf_test_token")
    parser.add_argument("--drop-once", action="append", default=[])
    parser.add_argument("--corrupt", action="append", default=[])
    parser.add_argument("--cdn-rate", type=int, default=0)
    args = parser.parse_args()
    hub = Hub(args)
    api = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(hub, "hub"))
    cdn = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(hub, "cdn"))
    hub.cdn_port = cdn.server_address[1]
    threading.Thread(target=cdn.serve_forever, daemon=True).start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(api.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    api.serve_forever()


if __name__ == "__main__":
    main()
