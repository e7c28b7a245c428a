#include "http/url.h"

#include <cctype>
#include <charconv>

namespace medulla::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string Lower(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lowered;
}

std::string BracketedHost(const std::string& host) {
  if (host.find(':') == std::string::npos)
    return host;
  return "[" + host + "]";
}

Result<uint16_t> ParsePort(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return InvalidArgument("URL port must be a number from 1 to 65535");
  }
  return static_cast<uint16_t>(value);
}

// Splits "host", "host:port", "[v6]" or "[v6]:port" into the URL.
Status ParseAuthority(std::string_view authority, Url& url) {
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("URL must not carry user information");
  }

  std::string_view port_text;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return InvalidArgument("URL has an unclosed IPv6 host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) {
      return InvalidArgument("URL has text after its IPv6 host");
    }
    if (!rest.empty())
      port_text = rest.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port_text = authority.substr(colon + 1);
  }

  if (url.host.empty())
    return InvalidArgument("URL has no host");
  if (port_text.empty() && authority.ends_with(':')) {
    return InvalidArgument("URL port must be a number from 1 to 65535");
  }
  if (port_text.empty())
    return Status::Ok();

  ASSIGN_OR_RETURN(url.port, ParsePort(port_text));
  return Status::Ok();
}

}  // namespace

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (plus_is_space && c == '+') {
      decoded.push_back(' ');
      continue;
    }
    if (c != '%') {
      decoded.push_back(c);
      continue;
    }

    int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0)
      return InvalidArgument("malformed percent-escape");
    decoded.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return decoded;
}

Result<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> parameters;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty())
      continue;

    size_t equals = pair.find('=');
    ASSIGN_OR_RETURN(std::string key, PercentDecode(pair.substr(0, equals), true));
    std::string value;
    if (equals != std::string_view::npos) {
      ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(equals + 1), true));
    }
    parameters.emplace(std::move(key), std::move(value));
  }
  return parameters;
}

std::string Url::Authority() const {
  return BracketedHost(host) + ":" + std::to_string(port);
}

std::string Url::HostHeader() const {
  uint16_t default_port = tls ? 443 : 80;
  if (port == default_port)
    return BracketedHost(host);
  return Authority();
}

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return InvalidArgument("URL must be absolute: http:// or https://");
  }
  std::string scheme = Lower(text.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return InvalidArgument("URL scheme must be http or https");
  }
  url.tls = scheme == "https";
  url.port = url.tls ? 443 : 80;

  std::string_view rest = text.substr(scheme_end + 3);
  size_t fragment = rest.find('#');
  rest = rest.substr(0, fragment);
  size_t authority_end = rest.find_first_of("/?");
  RETURN_IF_ERROR(ParseAuthority(rest.substr(0, authority_end), url));

  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  url.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  return url;
}

}  // namespace medulla::http
