#include <iostream>
#include <sstream>

#include "auth/jwt.h"
#include "cli/commands.h"
#include "cli/config.h"

namespace medulla::cli {
namespace {

// Scopes may be given one per flag or several in one quoted, space-separated flag.
std::vector<std::string> SplitScopes(const std::vector<std::string>& given) {
  std::vector<std::string> scopes;
  for (const std::string& flag : given) {
    std::istringstream words(flag);
    std::string scope;
    while (words >> scope)
      scopes.push_back(scope);
  }
  return scopes;
}

}  // namespace

int IssueToken(const TokenOptions& options) {
  Result<Config> config = LoadConfig(options.config_path);
  if (!config.ok())
    return Fail(config.status().message());
  if (options.ttl_seconds <= 0)
    return Fail("--ttl must be a positive number of seconds");

  Result<auth::DevIssuer> issuer =
      auth::DevIssuer::LoadOrCreate(config->dev_issuer_key, config->issuer, config->audience);
  if (!issuer.ok())
    return Fail(issuer.status().message());

  auth::TokenRequest request;
  request.subject = options.subject;
  request.tenant = options.tenant;
  request.roles = options.roles;
  request.scopes = SplitScopes(options.scopes);
  request.ttl = std::chrono::seconds(options.ttl_seconds);
  Result<std::string> token = issuer->Issue(request);
  if (!token.ok())
    return Fail(token.status().message());

  std::cout << *token << "\n";
  return 0;
}

}  // namespace medulla::cli
