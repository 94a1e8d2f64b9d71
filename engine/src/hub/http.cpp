#include "hub/http.hpp"

#include <curl/curl.h>

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "vitlens/util/version.hpp"

namespace vitlens::hub {

namespace fs = std::filesystem;

namespace {

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(user);
  const std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) headers.clear();  // a new response after a redirect
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    const size_t begin = value.find_first_not_of(" \t");
    const size_t end = value.find_last_not_of(" \t\r\n");
    headers[lower(line.substr(0, colon))] = begin == std::string::npos ? "" : value.substr(begin, end - begin + 1);
  }
  return size * count;
}

struct Transfer {
  CURL* curl = nullptr;
  std::FILE* file = nullptr;
  uint64_t resume_from = 0;
  bool restarted = false;
  int write_errno = 0;
  std::string body;
  const HttpProgress* progress = nullptr;
  bool cancelled = false;
};

long status_of(CURL* curl) {
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const long status = status_of(t.curl);
  if (!t.file || status < 200 || status >= 300) {
    if (t.body.size() < (1u << 20)) t.body.append(data, bytes);
    return bytes;
  }
  if (t.resume_from > 0 && status == 200 && !t.restarted) {  // the server ignored Range
    t.restarted = true;
    if (std::fflush(t.file) != 0 || ftruncate(fileno(t.file), 0) != 0 || std::fseek(t.file, 0, SEEK_SET) != 0) {
      t.write_errno = errno;
      return 0;
    }
    t.resume_from = 0;
  }
  if (std::fwrite(data, 1, bytes, t.file) != bytes) {
    t.write_errno = errno;
    return 0;
  }
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t received, curl_off_t, curl_off_t) {
  auto& t = *static_cast<Transfer*>(user);
  if (!t.progress || !*t.progress || status_of(t.curl) / 100 != 2) return 0;
  const uint64_t done = (t.restarted ? 0 : t.resume_from) + static_cast<uint64_t>(received);
  if ((*t.progress)(done)) return 0;
  t.cancelled = true;
  return 1;
}

std::string host_of(const std::string& url) {
  CURLU* parsed = curl_url();
  std::string host;
  char* part = nullptr;
  if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK && curl_url_get(parsed, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
    host = part;
    curl_free(part);
  }
  curl_url_cleanup(parsed);
  return host;
}

HttpResponse perform(const std::string& url, const std::string& token, bool head, bool follow, Transfer& t) {
  init_curl();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw Error("cannot start an HTTP request (libcurl failed to initialise)");
  t.curl = curl.get();
  HttpResponse response;
  curl_slist* list = nullptr;
  const std::string auth = "Authorization: Bearer " + token;
  if (!token.empty()) list = curl_slist_append(list, auth.c_str());
  list = curl_slist_append(list, "Accept-Encoding: identity");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(list, curl_slist_free_all);
  const std::string range = "bytes=" + std::to_string(t.resume_from) + "-";
  const std::string agent = std::string("vitlens/") + version();

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(c, CURLOPT_NOBODY, head ? 1L : 0L);
  // libcurl sends a custom Authorization header only to the first URL's host and port
  // (CURLOPT_UNRESTRICTED_AUTH stays off), which is what the hub's CDN redirects need.
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);  // a stalled connection counts as broken
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  if (t.resume_from > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str() + 6);

  const CURLcode code = curl_easy_perform(c);
  response.status = status_of(c);
  response.body = std::move(t.body);
  if (code == CURLE_OK) return response;
  if (t.cancelled) throw HttpCancelled("cancelled");
  if (t.write_errno) throw HttpWriteError(std::strerror(t.write_errno), t.write_errno);
  throw HttpUnreachable(std::string(curl_easy_strerror(code)) + " (" + host_of(url) + ")");
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  const auto found = headers.find(name);
  return found == headers.end() ? "" : found->second;
}

HttpClient::HttpClient(std::string token) : token_(std::move(token)) {}

HttpResponse HttpClient::get(const std::string& url) const {
  Transfer t;
  return perform(url, token_, false, true, t);
}

HttpResponse HttpClient::head(const std::string& url) const {
  Transfer t;
  return perform(url, token_, true, false, t);
}

HttpResponse HttpClient::download(const std::string& url, const fs::path& file, const HttpProgress& progress) const {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(file.c_str(), "ab"), std::fclose);
  if (!out) throw HttpWriteError(std::strerror(errno), errno);
  Transfer t;
  t.file = out.get();
  std::error_code ec;
  t.resume_from = fs::file_size(file, ec);
  t.progress = &progress;
  HttpResponse response = perform(url, token_, false, true, t);
  if (std::fclose(out.release()) != 0) throw HttpWriteError(std::strerror(errno), errno);
  return response;
}

std::string url_quote(const std::string& text, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string quoted;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/'))
      quoted += static_cast<char>(c);
    else
      quoted += {'%', hex[c >> 4], hex[c & 15]};
  }
  return quoted;
}

}  // namespace vitlens::hub
