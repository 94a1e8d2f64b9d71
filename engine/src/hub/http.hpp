#pragma once
// The engine's one HTTP client (libcurl), private to hub/: nothing else links or includes curl.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "vitlens/util/error.hpp"

namespace vitlens::hub {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // of the last response, names in lower case
  std::string body;                             // error bodies too, for downloads
  std::string header(const std::string& name) const;
};

// The server could not be reached or the connection broke: the caller may fall back to the
// cache (metadata) or retry with a Range request (downloads).
class HttpUnreachable : public Error {
 public:
  using Error::Error;
};

// The downloaded bytes could not be written (errno: ENOSPC when the disk is full).
class HttpWriteError : public Error {
 public:
  HttpWriteError(const std::string& message, int error_number) : Error(message), error_number(error_number) {}
  int error_number;
};

// The progress callback asked to stop.
class HttpCancelled : public Error {
 public:
  using Error::Error;
};

// Bytes of the body received so far; returns false to cancel.
using HttpProgress = std::function<bool(uint64_t received)>;

class HttpClient {
 public:
  // `token`, when not empty, goes as "Authorization: Bearer TOKEN" to the host of each
  // request's URL and to no other host a redirect leads to.
  explicit HttpClient(std::string token);

  // GET into memory, following redirects.
  HttpResponse get(const std::string& url) const;
  // HEAD without following redirects: the hub's 302 to its file store carries the metadata.
  HttpResponse head(const std::string& url) const;
  // GET following redirects, appending to `file` from its current size with a Range
  // request; the body goes to the file only for a 2xx answer (a server that ignores Range
  // restarts it). Throws HttpWriteError when the file cannot be written (disk full).
  HttpResponse download(const std::string& url, const std::filesystem::path& file, const HttpProgress& progress) const;

 private:
  std::string token_;
};

// `text` percent-encoded for a URL path; '/' kept when `keep_slash`.
std::string url_quote(const std::string& text, bool keep_slash);

}  // namespace vitlens::hub
