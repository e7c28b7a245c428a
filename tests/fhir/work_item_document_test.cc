// The work-item page staff print: it names what to create, for whom, with the content to
// enter, and escapes everything it takes from the entry.
#include "fhir/work_item_document.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace medulla::fhir {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

store::WritebackEntry WorkItem(const std::string& kind, nlohmann::json content) {
  store::WritebackEntry entry;
  entry.tenant = "clinic-a";
  entry.intent_id = kind + "-0123";
  entry.task_id = "task-9";
  entry.patient = "Patient/p-1";
  entry.kind = kind;
  entry.route = store::WritebackRoute::kWorkItem;
  entry.intent = {{"kind", kind}, {"encounter", "Encounter/e-7"}, {"content", std::move(content)}};
  return entry;
}

TEST(WorkItemDocument, DraftNoteShowsEverySectionAndWhereItBelongs) {
  store::WritebackEntry entry = WorkItem("draft_note", {{"date", "2026-03-02"},
                                                        {"subjective", "Cough for 3 days"},
                                                        {"objective", "Lungs clear"},
                                                        {"assessment", "Viral URI"},
                                                        {"plan", "Fluids and rest"}});
  entry.resource_type = "DocumentReference";

  std::string page = RenderWorkItemDocument(entry);

  EXPECT_THAT(page, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(page, HasSubstr("@media print"));
  EXPECT_THAT(page, HasSubstr("Enter a draft visit note"));
  EXPECT_THAT(page, HasSubstr("Patient/p-1"));
  EXPECT_THAT(page, HasSubstr("Encounter/e-7"));
  EXPECT_THAT(page, HasSubstr("DocumentReference"));
  for (const char* text : {"Cough for 3 days", "Lungs clear", "Viral URI", "Fluids and rest"})
    EXPECT_THAT(page, HasSubstr(text));
  EXPECT_THAT(page, HasSubstr("medulla writeback complete draft_note-0123 --tenant clinic-a"));
}

TEST(WorkItemDocument, AppointmentShowsItsTimeAndReason) {
  store::WritebackEntry entry =
      WorkItem("follow_up_appointment", {{"start", "2026-03-16T09:00:00Z"},
                                         {"end", "2026-03-16T09:20:00Z"},
                                         {"minutes", 20},
                                         {"reason", "Recheck blood pressure"}});
  entry.resource_type = "Appointment";

  std::string page = RenderWorkItemDocument(entry);

  EXPECT_THAT(page, HasSubstr("Book a follow-up appointment"));
  EXPECT_THAT(page, HasSubstr("2026-03-16T09:00:00Z"));
  EXPECT_THAT(page, HasSubstr("2026-03-16T09:20:00Z"));
  EXPECT_THAT(page, HasSubstr("<td>20</td>"));
  EXPECT_THAT(page, HasSubstr("Recheck blood pressure"));
}

TEST(WorkItemDocument, ClaimListsItsServiceAndDiagnosisCodes) {
  nlohmann::json content = {
      {"created", "2026-03-02"},
      {"provider", "Practitioner/dr-1"},
      {"payer", "Acme Health"},
      {"services",
       {{{"system", "http://www.ama-assn.org/go/cpt"}, {"code", "99213"}, {"display", "Visit"}}}},
      {"diagnoses", {{{"system", "http://hl7.org/fhir/sid/icd-10-cm"}, {"code", "J06.9"}}}}};
  store::WritebackEntry entry = WorkItem("claim", content);
  entry.resource_type = "Claim";

  std::string page = RenderWorkItemDocument(entry);

  EXPECT_THAT(page, HasSubstr("Enter a claim"));
  EXPECT_THAT(page, HasSubstr("<td>99213</td>"));
  EXPECT_THAT(page, HasSubstr("<td>J06.9</td>"));
  EXPECT_THAT(page, HasSubstr("Acme Health"));
  EXPECT_THAT(page, HasSubstr("Practitioner/dr-1"));
}

TEST(WorkItemDocument, MarkupInTheEntryIsEscaped) {
  store::WritebackEntry entry =
      WorkItem("draft_note", {{"date", "2026-03-02"},
                              {"subjective", "<script>alert('x')</script> & \"quoted\""},
                              {"plan", "<b>bold</b>"}});
  entry.patient = "Patient/<img src=x>";
  entry.reason = "vendor said <no>";

  std::string page = RenderWorkItemDocument(entry);

  EXPECT_THAT(page, Not(HasSubstr("<script>")));
  EXPECT_THAT(page, Not(HasSubstr("<img")));
  EXPECT_THAT(page, Not(HasSubstr("<b>bold")));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                              "&quot;quoted&quot;"));
  EXPECT_THAT(page, HasSubstr("Patient/&lt;img src=x&gt;"));
  EXPECT_THAT(page, HasSubstr("vendor said &lt;no&gt;"));
}

TEST(WorkItemDocument, AnUnknownKindListsItsContentFieldsEscaped) {
  store::WritebackEntry entry = WorkItem("referral", {{"to", "Cardiology <urgent>"}});
  entry.intent["content"]["count"] = 2;

  std::string page = RenderWorkItemDocument(entry);

  EXPECT_THAT(page, HasSubstr("Enter a referral"));
  EXPECT_THAT(page, HasSubstr("<th>to</th><td>Cardiology &lt;urgent&gt;</td>"));
  EXPECT_THAT(page, HasSubstr("<th>count</th><td>2</td>"));
}

TEST(WorkItemDocument, AnIntentWithoutContentStillRendersThePage) {
  store::WritebackEntry entry = WorkItem("draft_note", nullptr);
  entry.intent = "not an object";

  std::string page = RenderWorkItemDocument(entry);

  EXPECT_THAT(page, HasSubstr("Enter a draft visit note"));
  EXPECT_THAT(page, HasSubstr("</html>"));
}

TEST(EscapeHtml, ReplacesEveryCharacterThatCouldOpenMarkup) {
  EXPECT_EQ(EscapeHtml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(EscapeHtml("plain text"), "plain text");
}

}  // namespace
}  // namespace medulla::fhir
