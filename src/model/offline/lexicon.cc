#include "model/offline/lexicon.h"

namespace medulla::model::offline {
namespace {

constexpr Cue kSubjective[] = {
    {"pain", 2},       {"hurts", 2},          {"hurt", 2},
    {"ache", 2},       {"aching", 2},         {"sore", 1},
    {"swelling", 1},   {"swollen", 2},        {"fever", 2},
    {"cough", 2},      {"nausea", 2},         {"vomiting", 2},
    {"dizzy", 2},      {"tired", 1},          {"tingling", 2},
    {"numbness", 2},   {"numb", 2},           {"itch", 2},
    {"itches", 2},     {"weakness", 2},       {"started", 2},
    {"ago", 2},        {"yesterday", 2},      {"since", 1},
    {"last week", 1},  {"been taking", 2},    {"i take", 2},
    {"i'm taking", 2}, {"history of", 2},     {"i had", 1},
    {"i have", 1},     {"i've been", 2},      {"i feel", 2},
    {"feeling", 1},    {"year old", 2},       {"presents", 2},
    {"complains", 2},  {"it sounds like", 2}, {"you've been", 1},
    {"you said", 1},   {"surgery", 1},        {"medication", 1},
    {"worse", 1},      {"better", 1},
};

constexpr Cue kHistory[] = {
    {"year old", 3},    {"presents", 3}, {"here for", 2},    {"it sounds like", 2},
    {"you've been", 2}, {"you said", 2}, {"history of", 2},  {"you were", 1},
    {"you had", 1},     {"you fell", 2}, {"you injured", 2}, {"you've had", 2},
};

constexpr std::string_view kSteering[] = {
    "do my exam",
    "do your exam",
    "do my physical exam",
    "do a physical exam",
    "do a quick exam",
    "quick physical exam",
    "do a quick physical exam",
    "any questions",
    "other questions",
    "finalize the report",
    "order the medications",
    "get you checked out",
    "take a look",
    "review your past history",
    "if it's okay with you",
};

constexpr Cue kObjective[] = {
    {"on exam", 3},
    {"exam", 1},
    {"examination", 2},
    {"blood pressure", 2},
    {"heart rate", 2},
    {"temperature", 2},
    {"respiratory rate", 2},
    {"oxygen", 1},
    {"vitals", 2},
    {"x ray", 2},
    {"xray", 2},
    {"mri", 1},
    {"ct", 1},
    {"ultrasound", 1},
    {"echocardiogram", 2},
    {"lab", 1},
    {"labs", 1},
    {"results", 1},
    {"shows", 2},
    {"showed", 2},
    {"reveals", 2},
    {"lungs are clear", 3},
    {"clear to auscultation", 3},
    {"murmur", 2},
    {"tenderness", 2},
    {"tender", 1},
    {"palpable", 2},
    {"palpation", 2},
    {"pulses", 2},
    {"edema", 2},
    {"range of motion", 2},
    {"reflexes", 2},
    {"sensation", 2},
    {"looking at", 1},
    {"i see", 1},
    {"i don't see", 2},
    {"appreciate", 2},
    {"positive for", 2},
    {"negative for", 2},
    {"effusion", 2},
    {"bilaterally", 1},
    {"crepitus", 2},
    {"your a1c", 2},
    {"hemoglobin", 1},
    {"beats a minute", 2},
    {"i don't feel", 2},
    {"no sign of", 2},
    {"looks good", 1},
    {"lymph node", 2},
    {"lymph nodes", 2},
    {"it looks", 1},
};

constexpr Cue kAssessment[] = {
    {"i think", 2},
    {"i believe", 2},
    {"likely", 2},
    {"consistent with", 3},
    {"diagnosis", 3},
    {"you have", 1},
    {"impression", 3},
    {"assessment", 2},
    {"probably", 1},
    {"suspect", 2},
    {"caused by", 2},
    {"due to", 1},
    {"concerned", 1},
    {"sprain", 2},
    {"strain", 1},
    {"fracture", 1},
    {"infection", 1},
    {"ulcer", 2},
    {"cellulitis", 1},
    {"syndrome", 2},
    {"disease", 1},
    {"arthritis", 2},
    {"tendinitis", 2},
    {"epicondylitis", 2},
    {"bronchitis", 2},
    {"pneumonia", 2},
    {"diabetes", 1},
    {"hypertension", 1},
    {"heart failure", 1},
    {"stable", 1},
    {"controlled", 1},
    {"well controlled", 2},
    {"worsening", 1},
    {"the problem", 1},
    {"we're dealing with", 2},
    {"looks like", 1},
    {"what we call", 2},
    {"tear", 1},
    {"stones", 1},
    {"explains", 2},
    {"meniscus", 1},
};

constexpr Cue kPlan[] = {
    {"we'll", 2},
    {"we will", 2},
    {"i'm going to", 2},
    {"i am going to", 2},
    {"going to order", 3},
    {"we're going to", 2},
    {"i want you to", 2},
    {"i want to", 1},
    {"i'd like to", 2},
    {"i would like to", 2},
    {"prescribe", 3},
    {"prescription", 3},
    {"order", 2},
    {"follow up", 3},
    {"come back", 3},
    {"see you again", 3},
    {"see you back", 3},
    {"refer", 3},
    {"referral", 3},
    {"recommend", 3},
    {"recommendation", 3},
    {"start you on", 3},
    {"put you on", 3},
    {"continue", 2},
    {"schedule", 2},
    {"physical therapy", 2},
    {"brace", 1},
    {"sling", 1},
    {"crutches", 1},
    {"surgery", 1},
    {"milligrams", 2},
    {"mg", 2},
    {"twice a day", 2},
    {"once a day", 2},
    {"every six hours", 2},
    {"rest", 1},
    {"increase", 1},
    {"decrease", 1},
    {"stop", 1},
    {"avoid", 2},
    {"hold off", 2},
    {"let's", 1},
    {"plan", 2},
    {"debridement", 2},
    {"culture", 1},
    {"monitor", 2},
    {"check up", 2},
    {"in the meantime", 1},
    {"give you", 2},
    {"consult", 2},
    {"set you up", 2},
};

constexpr std::string_view kSmallTalk[] = {
    "hi",      "hello",   "hey",    "good",   "morning", "afternoon", "evening", "how",
    "are",     "you",     "doing",  "thank",  "thanks",  "bye",       "okay",    "ok",
    "alright", "all",     "right",  "yes",    "yeah",    "no",        "nope",    "sure",
    "great",   "nice",    "see",    "to",     "too",     "it's",      "i'm",     "fine",
    "well",    "correct", "that's", "sounds", "perfect", "mm"};

constexpr std::string_view kFollowUp[] = {
    "follow up", "followup", "followed up",  "come back", "see you back", "see you again",
    "see him",   "see her",  "see you",      "return",    "recheck",      "check back",
    "back in",   "revisit",  "reevaluation", "checkup",   "check you",    "check on you",
};

constexpr Cue kIntakeCues[] = {
    {"new patient", 3},  {"symptoms", 2},    {"symptom", 2}, {"register", 3},  {"registration", 3},
    {"check in", 3},     {"checking in", 3}, {"pain", 2},    {"fever", 2},     {"complaint", 2},
    {"cough", 2},        {"hurts", 2},       {"rash", 2},    {"allergies", 1}, {"sick", 2},
    {"demographics", 2}, {"walk in", 2},     {"triage", 3},  {"feeling", 1},   {"headache", 2},
    {"nausea", 2},       {"dizzy", 2},
};

constexpr Cue kScribeCues[] = {
    {"note", 3},       {"notes", 3},           {"dictation", 3}, {"dictate", 3},
    {"transcript", 3}, {"transcribe", 3},      {"document", 2},  {"documentation", 3},
    {"soap", 3},       {"summarize visit", 3}, {"summarize", 2}, {"summary", 2},
    {"chart", 1},      {"visit summary", 3},   {"write up", 2},  {"encounter note", 3},
};

constexpr Cue kSchedulingCues[] = {
    {"appointment", 3}, {"reschedule", 3}, {"schedule", 2}, {"book", 2},      {"booking", 2},
    {"cancel", 2},      {"follow up", 2},  {"slot", 3},     {"available", 2}, {"availability", 2},
    {"calendar", 2},    {"next week", 1},  {"tomorrow", 1}, {"move my", 1},   {"visit time", 2},
    {"earliest", 2},    {"opening", 1},
};

constexpr Cue kBillingCues[] = {
    {"bill", 3},   {"billing", 3}, {"claim", 3},     {"invoice", 3},
    {"charge", 2}, {"charged", 2}, {"insurance", 2}, {"copay", 3},
    {"co pay", 3}, {"payment", 2}, {"pay", 1},       {"code", 2},
    {"coding", 2}, {"cpt", 3},     {"icd", 3},       {"deductible", 3},
};

constexpr AgentCues kAgents[] = {
    {"intake", kIntakeCues},
    {"scribe", kScribeCues},
    {"scheduling", kSchedulingCues},
    {"billing", kBillingCues},
};

constexpr NumberWord kNumbers[] = {
    {"a", 1},         {"an", 1},       {"one", 1},      {"two", 2},        {"three", 3},
    {"four", 4},      {"five", 5},     {"six", 6},      {"seven", 7},      {"eight", 8},
    {"nine", 9},      {"ten", 10},     {"eleven", 11},  {"twelve", 12},    {"thirteen", 13},
    {"fourteen", 14}, {"fifteen", 15}, {"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18},
    {"nineteen", 19}, {"twenty", 20},  {"thirty", 30},  {"forty", 40},     {"fifty", 50},
    {"sixty", 60},    {"ninety", 90},  {"couple", 2},   {"few", 3},        {"several", 3},
    {"single", 1},
};

constexpr TimeUnit kUnits[] = {
    {"day", 1},    {"days", 1},    {"week", 7},   {"weeks", 7},
    {"month", 30}, {"months", 30}, {"year", 365}, {"years", 365},
};

}  // namespace

std::span<const Cue> SubjectiveCues() {
  return kSubjective;
}
std::span<const Cue> ObjectiveCues() {
  return kObjective;
}
std::span<const Cue> AssessmentCues() {
  return kAssessment;
}
std::span<const Cue> PlanCues() {
  return kPlan;
}
std::span<const Cue> HistoryCues() {
  return kHistory;
}
std::span<const std::string_view> VisitSteeringPhrases() {
  return kSteering;
}
std::span<const std::string_view> SmallTalkWords() {
  return kSmallTalk;
}
std::span<const std::string_view> FollowUpCues() {
  return kFollowUp;
}
std::span<const AgentCues> AgentLexicons() {
  return kAgents;
}
std::span<const NumberWord> NumberWords() {
  return kNumbers;
}
std::span<const TimeUnit> TimeUnits() {
  return kUnits;
}

}  // namespace medulla::model::offline
