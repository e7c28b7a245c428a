#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/jwt.h"
#include "auth/rs256.h"
#include "common/ids.h"
#include "common/log.h"

namespace medulla::auth {

struct DevIssuer::Key {
  rs256::KeyPtr pkey;
  std::string kid;
  rs256::PublicNumbers numbers;
};

namespace {

constexpr int kKeyBits = 2048;

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Unavailable("could not read the signing key file");
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Creates the key file with owner-only permissions from the first byte on; O_EXCL makes a
// concurrent creator fail instead of interleaving two keys into one file.
Status WriteNewKeyFile(const std::string& path, const std::string& pem) {
  std::error_code error;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, error);
  }
  if (error) {
    return Unavailable("could not create the signing key directory");
  }

  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return errno == EEXIST ? Conflict("the signing key file appeared while creating it")
                           : Unavailable("could not create the signing key file");
  }

  size_t written = 0;
  while (written < pem.size()) {
    ssize_t n = ::write(fd, pem.data() + written, pem.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      ::close(fd);
      return Unavailable("could not write the signing key file");
    }
    written += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  bool closed = ::close(fd) == 0;
  if (!synced || !closed) {
    return Unavailable("could not write the signing key file");
  }
  return Status::Ok();
}

void WarnIfReadableByOthers(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & 0077) != 0) {
    log::Warn("auth", "auth.signing_key.permissive_mode", {{"path", path}});
  }
}

Result<rs256::KeyPtr> LoadKey(const std::string& path) {
  WarnIfReadableByOthers(path);
  ASSIGN_OR_RETURN(std::string pem, ReadWholeFile(path));
  return rs256::ReadPrivateKeyPem(pem);
}

Result<rs256::KeyPtr> CreateKey(const std::string& path) {
  ASSIGN_OR_RETURN(rs256::KeyPtr key, rs256::GenerateKey(kKeyBits));
  ASSIGN_OR_RETURN(std::string pem, rs256::WritePrivateKeyPem(key.get()));

  Status written = WriteNewKeyFile(path, pem);
  if (written.code() == StatusCode::kConflict) {
    return LoadKey(path);
  }
  RETURN_IF_ERROR(written);

  log::Info("auth", "auth.signing_key.created", {{"path", path}});
  return key;
}

int64_t EpochSeconds(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

// Scopes travel space separated, so a scope holding a space would turn into two.
Status CheckRequest(const TokenRequest& request) {
  if (request.subject.empty()) {
    return InvalidArgument("a token needs a subject");
  }
  if (request.tenant.empty()) {
    return InvalidArgument("a token needs a tenant");
  }
  if (request.ttl <= std::chrono::seconds::zero()) {
    return InvalidArgument("a token needs a positive lifetime");
  }
  for (const std::string& scope : request.scopes) {
    if (scope.empty() || scope.find(' ') != std::string::npos) {
      return InvalidArgument("a scope must be non-empty and free of spaces");
    }
  }
  return Status::Ok();
}

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string joined;
  for (const std::string& scope : scopes) {
    if (!joined.empty()) {
      joined.push_back(' ');
    }
    joined += scope;
  }
  return joined;
}

// Serialising refuses strings that are not UTF-8 rather than minting a token no verifier
// could parse.
Result<std::string> EncodeJson(const nlohmann::json& value) {
  try {
    return Base64UrlEncode(value.dump());
  } catch (const nlohmann::json::exception&) {
    return InvalidArgument("token fields must be valid UTF-8");
  }
}

}  // namespace

Result<DevIssuer> DevIssuer::LoadOrCreate(const std::string& private_key_path, std::string issuer,
                                          std::string audience, const Clock& clock) {
  if (private_key_path.empty() || issuer.empty() || audience.empty()) {
    return InvalidArgument("the issuer needs a key path, an issuer and an audience");
  }

  std::error_code error;
  bool exists = std::filesystem::exists(private_key_path, error);
  Result<rs256::KeyPtr> loaded = exists ? LoadKey(private_key_path) : CreateKey(private_key_path);
  if (!loaded.ok()) {
    return loaded.status();
  }

  auto key = std::make_unique<Key>();
  key->pkey = std::move(loaded).value();
  ASSIGN_OR_RETURN(key->kid, rs256::KeyId(key->pkey.get()));
  ASSIGN_OR_RETURN(key->numbers, rs256::ExportPublicNumbers(key->pkey.get()));
  return DevIssuer(std::move(key), std::move(issuer), std::move(audience), clock);
}

Result<std::string> DevIssuer::Issue(const TokenRequest& request) const {
  RETURN_IF_ERROR(CheckRequest(request));

  int64_t now = EpochSeconds(clock_->Now());
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", key_->kid}};
  nlohmann::json claims = {
      {"iss", issuer_},
      {"aud", audience_},
      {"sub", request.subject},
      {"tenant", request.tenant},
      {"roles", request.roles},
      {"scope", JoinScopes(request.scopes)},
      {"sid", request.session_id.empty() ? NewUuid() : request.session_id},
      {"jti", NewUuid()},
      {"iat", now},
      {"nbf", now},
      {"exp", now + request.ttl.count()},
  };

  ASSIGN_OR_RETURN(std::string encoded_header, EncodeJson(header));
  ASSIGN_OR_RETURN(std::string encoded_claims, EncodeJson(claims));
  std::string signing_input = encoded_header + "." + encoded_claims;
  ASSIGN_OR_RETURN(std::string signature, rs256::Sign(key_->pkey.get(), signing_input));
  return signing_input + "." + Base64UrlEncode(signature);
}

nlohmann::json DevIssuer::Jwks() const {
  nlohmann::json jwk = {{"kty", "RSA"},
                        {"kid", key_->kid},
                        {"use", "sig"},
                        {"alg", "RS256"},
                        {"n", Base64UrlEncode(key_->numbers.modulus)},
                        {"e", Base64UrlEncode(key_->numbers.exponent)}};
  return {{"keys", nlohmann::json::array({jwk})}};
}

DevIssuer::DevIssuer(std::unique_ptr<Key> key, std::string issuer, std::string audience,
                     const Clock& clock)
    : key_(std::move(key)),
      issuer_(std::move(issuer)),
      audience_(std::move(audience)),
      clock_(&clock) {}

DevIssuer::DevIssuer(DevIssuer&&) noexcept = default;
DevIssuer& DevIssuer::operator=(DevIssuer&&) noexcept = default;
DevIssuer::~DevIssuer() = default;

}  // namespace medulla::auth
