// medulla: the server and its command-line tools.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/audit_commands.h"
#include "cli/commands.h"
#include "cli/ehr_commands.h"
#include "cli/writeback_commands.h"
#include "policy/explain_command.h"

namespace {

void AddServe(CLI::App& app, medulla::cli::ServeOptions& options, int& exit_code) {
  CLI::App* serve = app.add_subcommand("serve", "Run a Medulla node: gateway and workers");
  serve->add_option("--config", options.config_path, "YAML configuration file");
  serve->add_option("--port", options.port, "Port to listen on (0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  serve->add_option("--store", options.store, "Store, as sqlite:PATH or postgresql://...");
  serve->add_option("--ehr-url", options.ehr_url, "FHIR R4 base URL of the EHR");
  serve->add_option("--workers", options.workers, "Worker threads")->check(CLI::Range(1, 64));
  serve->add_option("--port-file", options.port_file, "Write the bound port to this file");
  serve->callback([&] { exit_code = medulla::cli::Serve(options); });
}

void AddToken(CLI::App& app, medulla::cli::TokenOptions& options, int& exit_code) {
  CLI::App* token = app.add_subcommand("token", "Development identity tokens");
  token->require_subcommand(1);
  CLI::App* issue = token->add_subcommand("issue", "Mint a bearer token from the dev issuer");
  issue->add_option("--config", options.config_path, "YAML configuration file");
  issue->add_option("--sub", options.subject, "Subject: who the token speaks for")->required();
  issue->add_option("--tenant", options.tenant, "Tenant (organisation)")->required();
  issue->add_option("--role", options.roles, "Role; repeat for several");
  issue->add_option("--scope", options.scopes, "SMART scope(s); repeat or space-separate");
  issue->add_option("--ttl", options.ttl_seconds, "Lifetime in seconds");
  issue->callback([&] { exit_code = medulla::cli::IssueToken(options); });
}

void AddClinicDay(CLI::App& app, medulla::cli::ClinicDayCommandOptions& options, int& exit_code) {
  CLI::App* day = app.add_subcommand("clinic-day", "Run the shipped clinic day through a node");
  day->add_option("--config", options.config_path, "YAML configuration file");
  day->add_option("--server", options.server_url, "Medulla base URL")->required();
  day->add_option("--ehr-url", options.ehr_url, "FHIR R4 base URL of the EHR")->required();
  day->add_option("--data", options.data_dir, "Folder holding clinic-day.json");
  day->add_option("--report", options.report_path, "Write the JSON report here");
  day->add_option("--timeout", options.timeout_seconds, "Seconds to wait for the day");
  day->callback([&] { exit_code = medulla::cli::RunClinicDayCommand(options); });
}

void AddPolicy(CLI::App& app, medulla::policy::PolicyExplainOptions& options, int& exit_code) {
  CLI::App* policy = app.add_subcommand("policy", "Policy documents");
  policy->require_subcommand(1);
  CLI::App* explain =
      policy->add_subcommand("explain", "Say whether a principal may do an action, and why");
  explain->add_option("--policies", options.policy_path, "Policy file or folder");
  explain->add_option("--sub", options.subject, "Subject")->required();
  explain->add_option("--tenant", options.tenant, "Tenant")->required();
  explain->add_option("--role", options.roles, "Role; repeat for several");
  explain->add_option("--scope", options.scopes, "SMART scope; repeat for several");
  explain->add_option("--action", options.action, "Action, such as tool:draft_note")->required();
  explain->add_option("--resource", options.resource, "Resource, such as tenant:a/Patient/1")
      ->required();
  explain->add_option("--context", options.context, "key=value; repeat for several");
  explain->callback([&] { exit_code = medulla::policy::RunPolicyExplain(options); });
}

void AddMigrate(CLI::App& app, medulla::cli::MigrateOptions& options, int& exit_code) {
  CLI::App* migrate = app.add_subcommand("migrate", "Create or upgrade the store's schema");
  migrate->add_option("--config", options.config_path, "YAML configuration file");
  migrate->add_option("--store", options.store, "Store, as sqlite:PATH or postgresql://...");
  migrate->callback([&] { exit_code = medulla::cli::RunMigrate(options); });
}

void AddReplay(CLI::App& app, medulla::cli::ReplayCommandOptions& options, int& exit_code) {
  CLI::App* replay = app.add_subcommand(
      "replay", "Run a task's decisions again from its record, with no model and no EHR");
  replay->add_option("task", options.task_id, "Task id")->required();
  replay->add_option("--config", options.config_path, "YAML configuration file");
  replay->add_option("--store", options.store, "Store, as sqlite:PATH or postgresql://...");
  replay->add_option("--policy", options.policy_path, "Decide with this policy file or folder");
  replay->add_option("--prompt-version", options.prompt_version,
                     "Run the agents under this prompt version instead of the recorded one");
  replay->callback([&] { exit_code = medulla::cli::RunReplay(options); });
}

// The audit, backup and restore commands share one set of options: one command runs per call.
void AddAudit(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<medulla::cli::AuditCommandOptions>();
  auto add_store = [&options](CLI::App* command) {
    command->add_option("--config", options->config_path, "YAML configuration file");
    command->add_option("--store", options->store, "Store URL: sqlite:PATH or postgresql://...");
  };
  auto run = [options, &exit_code](int (*command)(const medulla::cli::AuditCommandOptions&)) {
    return [options, &exit_code, command] { exit_code = command(*options); };
  };

  CLI::App* audit = app.add_subcommand("audit", "Check and read the record of what happened");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand("verify", "Check every tenant's event hash chain");
  add_store(verify);
  verify->add_option("--tenant", options->tenant, "Check only this tenant");
  verify->callback(run(medulla::cli::RunAuditVerify));

  CLI::App* show = audit->add_subcommand("show", "Print a task's account from its events");
  show->add_option("task", options->task_id, "Task id")->required();
  add_store(show);
  show->callback(run(medulla::cli::RunAuditShow));

  CLI::App* out = audit->add_subcommand("export", "Write FHIR AuditEvent and Provenance records");
  add_store(out);
  CLI::Option* task = out->add_option("--task", options->task_id, "Export this task");
  CLI::Option* from = out->add_option("--from", options->from, "Range start, RFC 3339");
  CLI::Option* to = out->add_option("--to", options->to, "Range end (exclusive), RFC 3339");
  task->excludes(from)->excludes(to);
  from->needs(to);
  to->needs(from);
  out->add_option("--tenant", options->tenant, "With a range: only this tenant");
  out->add_option("--out", options->out_path, "Write the Bundle here instead of stdout");
  out->callback(run(medulla::cli::RunAuditExport));

  CLI::App* backup = app.add_subcommand("backup", "Copy a live SQLite store to a file");
  add_store(backup);
  backup->add_option("--to", options->backup_path, "Backup file to create")->required();
  backup->callback(run(medulla::cli::RunBackup));

  CLI::App* restore = app.add_subcommand("restore", "Restore a SQLite store from a backup");
  add_store(restore);
  restore->add_option("--from", options->backup_path, "Backup file")->required();
  restore->add_flag("--force", options->force, "Replace an existing store");
  restore->callback(run(medulla::cli::RunRestore));
}

// The write-back commands share one set of options: one command runs per call.
void AddWriteback(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<medulla::cli::WritebackCommandOptions>();
  auto add_common = [&options](CLI::App* command) {
    command->add_option("--config", options->config_path, "YAML configuration file");
    command->add_option("--store", options->store, "Store URL: sqlite:PATH or postgresql://...");
    command->add_option("--tenant", options->tenant, "Tenant whose outbox to read")->required();
  };
  auto run = [options, &exit_code](int (*command)(const medulla::cli::WritebackCommandOptions&)) {
    return [options, &exit_code, command] { exit_code = command(*options); };
  };

  CLI::App* writeback =
      app.add_subcommand("writeback", "Read the write-back outbox and complete work items");
  writeback->require_subcommand(1);
  CLI::App* list = writeback->add_subcommand("list", "List a tenant's write-backs, oldest first");
  add_common(list);
  list->add_option("--status", options->status,
                   "pending, retrying, held, failed, confirmed or "
                   "reconciled");
  list->add_option("--route", options->route, "fhir, vendor_api or work_item");
  list->add_option("--task", options->task_id, "Only this task's write-backs");
  list->add_option("--limit", options->limit, "At most this many")->check(CLI::Range(1, 100000));
  list->add_flag("--json", options->json, "Print JSON instead of a table");
  list->callback(run(medulla::cli::RunWritebackList));

  CLI::App* show = writeback->add_subcommand("show", "Print one write-back");
  show->add_option("intent", options->intent_id, "Intent id")->required();
  add_common(show);
  show->add_flag("--json", options->json, "Print JSON");
  show->callback(run(medulla::cli::RunWritebackShow));

  CLI::App* complete =
      writeback->add_subcommand("complete", "Mark a work item done after entering it in the EHR");
  complete->add_option("intent", options->intent_id, "Intent id")->required();
  add_common(complete);
  complete->add_option("--by", options->by, "Who entered it")->required();
  complete->add_option("--reference", options->reference, "What the EHR created: Type/id");
  complete->callback(run(medulla::cli::RunWritebackComplete));

  auto ehr_options = std::make_shared<medulla::cli::EhrCommandOptions>();
  CLI::App* reconcile = writeback->add_subcommand(
      "reconcile", "Compare a tenant's write-backs with its EHR, repair and flag");
  reconcile->add_option("--config", ehr_options->config_path, "YAML configuration file");
  reconcile->add_option("--tenant", ehr_options->tenant, "Tenant to reconcile")->required();
  reconcile->add_flag("--json", ehr_options->json, "Print JSON");
  reconcile->callback(
      [ehr_options, &exit_code] { exit_code = medulla::cli::RunWritebackReconcile(*ehr_options); });

  CLI::App* drain = writeback->add_subcommand("drain", "Attempt every write-back due now");
  drain->add_option("--config", ehr_options->config_path, "YAML configuration file");
  drain->callback(
      [ehr_options, &exit_code] { exit_code = medulla::cli::RunWritebackDrain(*ehr_options); });
}

void AddEhr(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<medulla::cli::EhrCommandOptions>();
  CLI::App* ehr = app.add_subcommand("ehr", "The tenants' EHR connections");
  ehr->require_subcommand(1);
  CLI::App* clients = ehr->add_subcommand(
      "clients", "Print the client id and public JWKS to register with each tenant's EHR");
  clients->add_option("--config", options->config_path, "YAML configuration file");
  clients->callback([options, &exit_code] { exit_code = medulla::cli::RunEhrClients(*options); });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Medulla: the operating layer for clinical AI agents"};
  app.require_subcommand(1);
  int exit_code = 0;

  medulla::cli::ServeOptions serve;
  medulla::cli::TokenOptions token;
  medulla::cli::ClinicDayCommandOptions clinic_day;
  AddServe(app, serve, exit_code);
  AddToken(app, token, exit_code);
  AddClinicDay(app, clinic_day, exit_code);
  medulla::policy::PolicyExplainOptions policy_explain;
  AddPolicy(app, policy_explain, exit_code);
  AddAudit(app, exit_code);
  AddWriteback(app, exit_code);
  AddEhr(app, exit_code);
  medulla::cli::ReplayCommandOptions replay;
  AddReplay(app, replay, exit_code);
  medulla::cli::MigrateOptions migrate;
  AddMigrate(app, migrate, exit_code);
  app.add_subcommand("version", "Print the version")->callback([] { std::puts("medulla 0.1.0"); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  return exit_code;
}
