// The registry of every tool Medulla knows. Immutable after construction, so it is safe to
// share across threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/model.h"
#include "tools/tool.h"

namespace medulla::tools {

class ToolRegistry {
 public:
  // Fails with kInvalidArgument if a name repeats or a schema does not parse.
  static Result<ToolRegistry> Create(std::vector<ToolDefinition> tools);

  // Returns the tool or nullptr.
  const ToolDefinition* Find(const std::string& name) const;

  // Checks `arguments` against the tool's schema; kInvalidArgument lists the first failures
  // by JSON pointer, without echoing values.
  Status ValidateArguments(const std::string& name, const nlohmann::json& arguments) const;

  // The subset of `names` that `principal` holds every scope for, as model tool offers.
  std::vector<model::ToolOffer> OffersFor(const std::vector<std::string>& names,
                                          const auth::Principal& principal) const;

  // True when `principal` holds every scope the tool needs.
  bool Permits(const ToolDefinition& tool, const auth::Principal& principal) const;

  ToolRegistry(ToolRegistry&&) noexcept;
  ToolRegistry& operator=(ToolRegistry&&) noexcept;
  ~ToolRegistry();

 private:
  struct Entry;
  ToolRegistry();
  std::map<std::string, std::unique_ptr<Entry>> tools_;
};

}  // namespace medulla::tools
