// Embeds agentrt: runs one session of the built-in fake agent and prints what it does.
//   embed PATH_TO_agentrt-fake-agent
// Exits 0 when the session ended "done".

#include <agentrt/agentrt.hpp>

#include <chrono>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: embed PATH_TO_agentrt-fake-agent\n";
    return 2;
  }
  agentrt::engine_options options;
  options.binaries["fake"] = argv[1];
  agentrt::engine engine{options};

  agentrt::event_callbacks callbacks;
  callbacks.on_message = [](const agentrt::agent_message& m) {
    std::cout << m.session_id << " #" << m.seq << " " << m.type << " " << m.content << '\n';
  };
  callbacks.on_status = [](const agentrt::status_change& s) {
    std::cout << s.session_id << " status " << agentrt::to_string(s.status) << '\n';
  };
  // Before the start: the subscription sees the session's every event, from its first.
  if (auto subscribed = engine.subscribe("example", callbacks); !subscribed) {
    std::cerr << "embed: " << subscribed.error << '\n';
    return 1;
  }

  agentrt::query_command query;
  query.session_id = "example";
  query.provider = "fake";
  query.prompt = "show me the tools";
  query.provider_config = R"({"transcript":"tool"})";
  if (auto started = engine.start(query); !started) {
    std::cerr << "embed: " << started.error << '\n';
    return 1;
  }
  auto end = engine.wait("example", std::chrono::seconds{30});
  if (!end) {
    std::cerr << "embed: " << end.error << '\n';
    return 1;
  }
  return end.value.status == agentrt::session_status::done ? 0 : 1;
}
