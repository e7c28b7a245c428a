#include "auth/jws.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "auth/es256.h"
#include "common/log.h"

namespace medulla::auth {

const char* JwsAlgorithmName(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kRs256:
      return "RS256";
    case JwsAlgorithm::kEs256:
      return "ES256";
  }
  return "";
}

Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name) {
  if (name == "RS256") {
    return JwsAlgorithm::kRs256;
  }
  if (name == "ES256") {
    return JwsAlgorithm::kEs256;
  }
  return InvalidArgument("only RS256 and ES256 are supported");
}

namespace {

// Bearer tokens from Medulla's issuers are well under 4 KiB; anything far larger is refused
// before any decoding work is spent on it.
constexpr size_t kMaximumTokenSize = size_t{16} * 1024;
constexpr int kRsaBits = 2048;

Status Refuse(std::string reason) {
  return Unauthenticated(std::move(reason));
}

std::string Text(const nlohmann::json& object, const char* name) {
  auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

Result<std::string> DecodeField(const nlohmann::json& jwk, const char* name) {
  Result<std::string> bytes = Base64UrlDecode(Text(jwk, name));
  if (!bytes.ok() || bytes->empty()) {
    return InvalidArgument("a key number is missing or not base64url");
  }
  return bytes;
}

Result<JwsAlgorithm> AlgorithmOfJwk(const nlohmann::json& jwk) {
  std::string kty = Text(jwk, "kty");
  if (kty == "RSA") {
    return JwsAlgorithm::kRs256;
  }
  if (kty == "EC" && Text(jwk, "crv") == "P-256") {
    return JwsAlgorithm::kEs256;
  }
  return InvalidArgument("not an RSA or P-256 key");
}

// A JWK is usable when it is a signing key with a kid, its declared alg (if any) matches its
// type, and its numbers form a sound key.
Result<VerificationKey> KeyFromJwk(const nlohmann::json& jwk) {
  if (Text(jwk, "kid").empty()) {
    return InvalidArgument("a key without a kid");
  }
  if (jwk.contains("use") && Text(jwk, "use") != "sig") {
    return InvalidArgument("not a signing key");
  }
  ASSIGN_OR_RETURN(JwsAlgorithm alg, AlgorithmOfJwk(jwk));
  if (jwk.contains("alg") && Text(jwk, "alg") != JwsAlgorithmName(alg)) {
    return InvalidArgument("the key's alg does not match its type");
  }

  VerificationKey key{alg, nullptr};
  if (alg == JwsAlgorithm::kRs256) {
    ASSIGN_OR_RETURN(std::string modulus, DecodeField(jwk, "n"));
    ASSIGN_OR_RETURN(std::string exponent, DecodeField(jwk, "e"));
    ASSIGN_OR_RETURN(key.pkey, rs256::PublicKeyFromModulus(modulus, exponent));
    return key;
  }
  ASSIGN_OR_RETURN(std::string x, DecodeField(jwk, "x"));
  ASSIGN_OR_RETURN(std::string y, DecodeField(jwk, "y"));
  ASSIGN_OR_RETURN(key.pkey, es256::PublicKeyFromCoordinates(x, y));
  return key;
}

bool KeyFitsAlgorithm(EVP_PKEY* key, JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kRs256:
      return EVP_PKEY_is_a(key, "RSA") == 1 && EVP_PKEY_get_bits(key) >= kRsaBits;
    case JwsAlgorithm::kEs256:
      return es256::IsP256(key);
  }
  return false;
}

// The refusal names the algorithm so that a caller can see what they sent, but only when
// it looks like an algorithm name: arbitrary token text never reaches a message.
Status RefuseAlgorithm(const nlohmann::json& alg) {
  if (!alg.is_string()) {
    return Refuse("token is malformed");
  }
  const std::string& name = alg.get_ref<const std::string&>();
  bool printable =
      !name.empty() && name.size() <= 16 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      });
  return Refuse(printable ? "alg " + name + " is not accepted" : "alg is not accepted");
}

Result<nlohmann::json> DecodeJsonObject(std::string_view encoded) {
  Result<std::string> text = Base64UrlDecode(encoded);
  if (!text.ok()) {
    return Refuse("token is malformed");
  }
  nlohmann::json value = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) {
    return Refuse("token is malformed");
  }
  return value;
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

// --- key files -----------------------------------------------------------------------------

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
Status WriteKeyFileOnce(const std::string& path, const std::string& pem) {
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

// Refuses a passphrase-protected PEM instead of letting OpenSSL prompt on the terminal.
int NoPassphrase(char*, int, int, void*) {
  return 0;
}

Result<rs256::KeyPtr> ReadPrivateKeyPem(std::string_view pem, JwsAlgorithm alg) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) {
    return Internal("could not read the private key");
  }

  rs256::KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (!key) {
    return InvalidArgument("the private key file is not an unencrypted PEM private key");
  }
  if (!KeyFitsAlgorithm(key.get(), alg)) {
    return InvalidArgument(alg == JwsAlgorithm::kRs256
                               ? "the private key must be RSA of at least 2048 bits"
                               : "the private key must be EC on P-256");
  }
  return key;
}

Result<rs256::KeyPtr> GenerateKey(JwsAlgorithm alg) {
  return alg == JwsAlgorithm::kRs256 ? rs256::GenerateKey(kRsaBits) : es256::GenerateKey();
}

Result<rs256::KeyPtr> LoadKey(const std::string& path, JwsAlgorithm alg) {
  WarnIfReadableByOthers(path);
  ASSIGN_OR_RETURN(std::string pem, ReadWholeFile(path));
  return ReadPrivateKeyPem(pem, alg);
}

Result<rs256::KeyPtr> CreateKey(const std::string& path, JwsAlgorithm alg) {
  ASSIGN_OR_RETURN(rs256::KeyPtr key, GenerateKey(alg));
  ASSIGN_OR_RETURN(std::string pem, rs256::WritePrivateKeyPem(key.get()));

  Status written = WriteKeyFileOnce(path, pem);
  if (written.code() == StatusCode::kConflict) {
    return LoadKey(path, alg);
  }
  RETURN_IF_ERROR(written);

  log::Info("auth", "auth.signing_key.created", {{"path", path}, {"alg", JwsAlgorithmName(alg)}});
  return key;
}

Result<jws::SigningKey> WithKid(JwsAlgorithm alg, rs256::KeyPtr pkey) {
  jws::SigningKey key{alg, std::move(pkey), ""};
  ASSIGN_OR_RETURN(key.kid, rs256::KeyId(key.pkey.get()));
  return key;
}

}  // namespace

// --- key sets --------------------------------------------------------------------------------

Result<KeySet> KeySet::FromJwks(const nlohmann::json& jwks) {
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
    return InvalidArgument("the key set has no keys array");
  }

  KeySet set;
  for (const nlohmann::json& jwk : jwks["keys"]) {
    if (!jwk.is_object()) {
      continue;
    }
    Result<VerificationKey> key = KeyFromJwk(jwk);
    if (!key.ok()) {
      log::Debug("auth", "auth.jwks.key_skipped", {{"reason", key.status().message()}});
      continue;
    }
    std::string kid = Text(jwk, "kid");
    auto shared = std::make_shared<const VerificationKey>(std::move(key).value());
    if (!set.by_kid_.emplace(kid, std::move(shared)).second) {
      log::Warn("auth", "auth.jwks.duplicate_kid", {{"kid", kid}});
    }
  }
  if (set.by_kid_.empty()) {
    return InvalidArgument("the key set holds no usable RS256 or ES256 key");
  }
  return set;
}

std::vector<std::string> KeySet::Kids() const {
  std::vector<std::string> kids;
  for (const auto& [kid, key] : by_kid_) {
    kids.push_back(kid);
  }
  return kids;
}

const VerificationKey* KeySet::Find(std::string_view kid) const {
  auto found = by_kid_.find(kid);
  return found == by_kid_.end() ? nullptr : found->second.get();
}

namespace jws {

Status WriteNewKeyFile(const std::string& path, const std::string& pem) {
  return WriteKeyFileOnce(path, pem);
}

Result<SigningKey> GenerateSigningKey(JwsAlgorithm alg) {
  ASSIGN_OR_RETURN(rs256::KeyPtr pkey, GenerateKey(alg));
  return WithKid(alg, std::move(pkey));
}

Result<SigningKey> LoadOrCreateSigningKey(const std::string& path, JwsAlgorithm alg) {
  std::error_code error;
  bool exists = std::filesystem::exists(path, error);
  Result<rs256::KeyPtr> loaded = exists ? LoadKey(path, alg) : CreateKey(path, alg);
  if (!loaded.ok()) {
    return loaded.status();
  }
  return WithKid(alg, std::move(loaded).value());
}

nlohmann::json PublicJwk(const SigningKey& key) {
  if (key.alg == JwsAlgorithm::kRs256) {
    Result<rs256::PublicNumbers> numbers = rs256::ExportPublicNumbers(key.pkey.get());
    assert(numbers.ok() && "a loaded RSA key exports its numbers");
    return {{"kty", "RSA"},
            {"kid", key.kid},
            {"use", "sig"},
            {"alg", "RS256"},
            {"n", Base64UrlEncode(numbers->modulus)},
            {"e", Base64UrlEncode(numbers->exponent)}};
  }
  Result<es256::Coordinates> point = es256::ExportCoordinates(key.pkey.get());
  assert(point.ok() && "a loaded EC key exports its point");
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"kid", key.kid},
          {"use", "sig"},
          {"alg", "ES256"},
          {"x", Base64UrlEncode(point->x)},
          {"y", Base64UrlEncode(point->y)}};
}

Result<std::string> SignCompact(const SigningKey& key, const nlohmann::json& claims) {
  nlohmann::json header = {{"alg", JwsAlgorithmName(key.alg)}, {"typ", "JWT"}, {"kid", key.kid}};
  ASSIGN_OR_RETURN(std::string encoded_header, EncodeJson(header));
  ASSIGN_OR_RETURN(std::string encoded_claims, EncodeJson(claims));
  std::string signing_input = encoded_header + "." + encoded_claims;

  Result<std::string> signature = key.alg == JwsAlgorithm::kRs256
                                      ? rs256::Sign(key.pkey.get(), signing_input)
                                      : es256::Sign(key.pkey.get(), signing_input);
  if (!signature.ok()) {
    return signature.status();
  }
  return signing_input + "." + Base64UrlEncode(*signature);
}

Result<ParsedToken> ParseCompact(std::string_view token, const std::vector<JwsAlgorithm>& allowed) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (token.size() > kMaximumTokenSize || second == std::string_view::npos ||
      token.find('.', second + 1) != std::string_view::npos) {
    return Refuse("token is malformed");
  }

  ASSIGN_OR_RETURN(nlohmann::json header, DecodeJsonObject(token.substr(0, first)));
  nlohmann::json alg_name = header.value("alg", nlohmann::json());
  Result<JwsAlgorithm> alg = alg_name.is_string() ? ParseJwsAlgorithm(alg_name.get<std::string>())
                                                  : Result<JwsAlgorithm>(InvalidArgument("no alg"));
  if (!alg.ok() || std::find(allowed.begin(), allowed.end(), *alg) == allowed.end()) {
    return RefuseAlgorithm(alg_name);
  }
  if (header.contains("crit")) {
    return Refuse("token has unsupported critical headers");
  }

  Result<std::string> signature = Base64UrlDecode(token.substr(second + 1));
  if (!signature.ok()) {
    return Refuse("signature does not verify");
  }

  ParsedToken parsed;
  parsed.alg = *alg;
  parsed.kid = Text(header, "kid");
  parsed.signing_input = token.substr(0, second);
  parsed.encoded_claims = token.substr(first + 1, second - first - 1);
  parsed.signature = std::move(signature).value();
  return parsed;
}

Status CheckSignature(const ParsedToken& token, const KeySet& keys) {
  const VerificationKey* key = keys.Find(token.kid);
  if (key == nullptr) {
    return Refuse("unknown signing key");
  }
  // The algorithm is fixed by the key, never by the token: this is what stops an RS256 token
  // from being checked against an EC key or the reverse.
  if (key->alg != token.alg) {
    return Refuse("alg does not match the signing key");
  }

  bool valid = token.alg == JwsAlgorithm::kRs256
                   ? rs256::Verify(key->pkey.get(), token.signing_input, token.signature)
                   : es256::Verify(key->pkey.get(), token.signing_input, token.signature);
  return valid ? Status::Ok() : Refuse("signature does not verify");
}

Result<nlohmann::json> DecodeClaims(const ParsedToken& token) {
  return DecodeJsonObject(token.encoded_claims);
}

}  // namespace jws
}  // namespace medulla::auth
