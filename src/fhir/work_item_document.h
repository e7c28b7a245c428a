// The page staff print or open for a write-back Medulla could not make itself (route
// work_item): what to enter in the EHR, for which patient and encounter, and the content to
// enter, so that a person can do by hand what the integration service would have written.
//
// Pure and thread-safe: the page is built from the entry alone, touching no store or network.
// Every piece of text from the entry is HTML-escaped, so a note that holds markup prints as
// text and cannot script the page.
#pragma once

#include <string>

#include "store/outbox.h"

namespace medulla::fhir {

// Returns a standalone HTML5 page (UTF-8, with print styles) for `entry`. Kinds this build
// does not know are shown with their content fields listed as they are.
std::string RenderWorkItemDocument(const store::WritebackEntry& entry);

// Returns `text` with &, <, >, " and ' replaced by character references.
std::string EscapeHtml(const std::string& text);

}  // namespace medulla::fhir
