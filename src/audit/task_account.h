// A task's account for a human reader: who asked, which agents ran and how each concluded,
// what data they viewed, which tools ran under which policy decisions and grants, what the
// model answered, what was written back, held or failed, consent checks and approvals, all
// read from the task's events and nothing else.
//
// The account never prints a bearer token or grant token: it prints only named fields of
// each event (never tool arguments or results), records carry grant ids rather than tokens,
// and any text it does print (model content, reasons) has token-shaped strings withheld.
// Model content is cut to a short excerpt. The task's free-text input is not printed, only
// its length, since it is clinical text.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/event.h"
#include "store/store.h"

namespace medulla::audit {

// Renders the account of one task from its events in task_seq order.
// REQUIRES: `events` is not empty and all belong to one task.
std::string RenderTaskAccount(const std::vector<store::Event>& events);

// Reads the task and renders its account; kNotFound for an unknown task.
Result<std::string> RenderTaskAccount(store::Store& store, const std::string& task_id);

// Replaces JWT-shaped strings and "Bearer <credential>" in `text` with "[token withheld]".
std::string WithholdTokens(std::string_view text);

}  // namespace medulla::audit
