#include "cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <exception>
#include <iostream>

#include "cli/command.h"

#ifndef COFFER_VERSION
#define COFFER_VERSION "0.1.0-dev"
#endif

namespace coffer::cli {
namespace {

std::vector<CommandSpec> AllCommands() {
  std::vector<CommandSpec> all;
  AddStatusCommands(&all);
  AddOperatorCommands(&all);
  AddRaftCommands(&all);
  AddRaftAutopilotCommands(&all);
  AddLoginCommands(&all);
  AddTokenCommands(&all);
  AddPolicyCommands(&all);
  AddSecretsCommands(&all);
  AddAuthCommands(&all);
  AddKvCommands(&all);
  AddKvMetadataCommands(&all);
  AddGenericCommands(&all);
  AddLeaseCommands(&all);
  AddAuditCommands(&all);
  // `coffer server` is dispatched by main() before the CLI; listed here for the help.
  all.push_back({"server", "Start a Coffer server", [](Io& io, const std::vector<std::string>&) {
                   *io.err << "The server command is not available in this binary.\n";
                   return kExitLocalError;
                 }});
  return all;
}

std::vector<std::string> Words(const std::string& name) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < name.size()) {
    size_t sp = name.find(' ', start);
    if (sp == std::string::npos) sp = name.size();
    out.push_back(name.substr(start, sp - start));
    start = sp + 1;
  }
  return out;
}

std::string GroupSynopsis(const std::string& group) {
  static const std::pair<const char*, const char*> kGroups[] = {
      {"audit", "Interact with audit devices"},
      {"auth", "Interact with auth methods"},
      {"kv", "Interact with the key-value store"},
      {"kv metadata", "Interact with key metadata in the key-value store"},
      {"lease", "Interact with leases"},
      {"operator", "Perform operator-specific tasks"},
      {"operator raft", "Interact with Vault's raft storage backend"},
      {"operator raft autopilot", "Interact with autopilot"},
      {"operator raft snapshot", "Restores and saves snapshots from the Raft cluster"},
      {"policy", "Interact with policies"},
      {"print", "Prints runtime configurations"},
      {"secrets", "Interact with secrets engines"},
      {"token", "Interact with tokens"},
  };
  for (const auto& [name, synopsis] : kGroups) {
    if (group == name) return synopsis;
  }
  return "Interact with " + group;
}

std::string Listing(const std::vector<CommandSpec>& commands, const std::string& prefix) {
  size_t depth = prefix.empty() ? 0 : Words(prefix).size();
  std::vector<std::pair<std::string, std::string>> rows;
  size_t width = 0;
  for (const CommandSpec& c : commands) {
    std::vector<std::string> w = Words(c.name);
    if (w.size() != depth + 1) continue;
    if (!prefix.empty() && c.name.rfind(prefix + " ", 0) != 0) continue;
    rows.emplace_back(w.back(), c.synopsis);
    width = std::max(width, w.back().size());
  }
  // Groups without a command of their own ("kv metadata").
  for (const CommandSpec& c : commands) {
    std::vector<std::string> w = Words(c.name);
    if (w.size() <= depth + 1) continue;
    if (!prefix.empty() && c.name.rfind(prefix + " ", 0) != 0) continue;
    std::string group = w[depth];
    bool seen = std::any_of(rows.begin(), rows.end(), [&](auto& r) { return r.first == group; });
    if (!seen) {
      rows.emplace_back(group, GroupSynopsis(prefix.empty() ? group : prefix + " " + group));
      width = std::max(width, group.size());
    }
  }
  std::sort(rows.begin(), rows.end());
  std::string out;
  for (const auto& [name, synopsis] : rows)
    out += "    " + name + std::string(width - name.size() + 4, ' ') + synopsis + "\n";
  return out;
}

std::string TopLevelHelp(const std::vector<CommandSpec>& commands) {
  return "Usage: coffer <command> [args]\n\n"
         "Coffer speaks HashiCorp Vault's HTTP API; these commands behave like the `vault`\n"
         "CLI. Set COFFER_ADDR (or VAULT_ADDR) to the server address.\n\n"
         "Commands:\n" +
         Listing(commands, "") +
         "\n"
         "Run \"coffer <command> -h\" for the flags and arguments of a command.";
}

bool IsHelpFlag(const std::string& a) { return a == "-h" || a == "-help" || a == "--help"; }

int Dispatch(const std::vector<std::string>& args, Io& io) {
  std::vector<CommandSpec> commands = AllCommands();
  if (args.empty()) {
    *io.err << TopLevelHelp(commands) << "\n";
    return kExitUnknownCommand;
  }
  if (IsHelpFlag(args[0]) || args[0] == "help") {
    *io.out << TopLevelHelp(commands) << "\n";
    return kExitOk;
  }
  if (args[0] == "-v" || args[0] == "-version" || args[0] == "--version") {
    *io.out << VersionString() << "\n";
    return kExitOk;
  }
  // The longest command name that prefixes the arguments.
  const CommandSpec* best = nullptr;
  size_t best_words = 0;
  for (const CommandSpec& c : commands) {
    std::vector<std::string> w = Words(c.name);
    if (w.size() > args.size() || w.size() <= best_words) continue;
    if (std::equal(w.begin(), w.end(), args.begin())) {
      best = &c;
      best_words = w.size();
    }
  }
  // A group ("kv", "kv metadata") named without a subcommand prints its listing.
  std::string group;
  for (size_t n = 1; n <= args.size(); ++n) {
    std::string candidate;
    for (size_t i = 0; i < n; ++i) candidate += (i ? " " : "") + args[i];
    bool is_group = std::any_of(commands.begin(), commands.end(), [&](const CommandSpec& c) {
      return c.name.rfind(candidate + " ", 0) == 0;
    });
    if (is_group && n > best_words) group = candidate;
  }
  if (best == nullptr && group.empty()) {
    *io.err << "Unknown command: " << args[0] << "\n\n" << TopLevelHelp(commands) << "\n";
    return kExitUnknownCommand;
  }
  if (!group.empty() && Words(group).size() > best_words) {
    size_t n = Words(group).size();
    bool help = n < args.size() && IsHelpFlag(args[n]);
    std::string text = "Usage: coffer " + group + " <subcommand> [options] [args]\n\n" +
                       "Subcommands:\n" + Listing(commands, group);
    if (n < args.size() && !help) {
      *io.err << "Unknown subcommand: " << args[n] << "\n\n" << text;
      return kExitLocalError;
    }
    (help ? *io.out : *io.err) << text;
    return help ? kExitOk : kExitLocalError;
  }
  std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(best_words), args.end());
  return best->run(io, rest);
}

}  // namespace

std::string VersionString() { return std::string("Coffer v") + COFFER_VERSION; }

int Run(const std::vector<std::string>& args, Io& io) {
  try {
    return Dispatch(args, io);
  } catch (const std::exception& e) {  // a bug; never let an exception escape main
    *io.err << "Error: " << e.what() << "\n";
    return kExitLocalError;
  }
}

int Main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  Io io;
  io.in = &std::cin;
  io.out = &std::cout;
  io.err = &std::cerr;
  io.stdin_is_tty = isatty(STDIN_FILENO) == 1;
  io.stdout_is_tty = isatty(STDOUT_FILENO) == 1;
  int code = Run(args, io);
  std::cout.flush();
  return code;
}

}  // namespace coffer::cli
