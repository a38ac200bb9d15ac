// Embeds agentrt: runs one session of the built-in fake agent and prints what it does.
//   embed PATH_TO_agentrt-fake-agent
// Exits 0 when the session ended "done".

#include <agentrt/agentrt.hpp>

#include <condition_variable>
#include <iostream>
#include <mutex>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: embed PATH_TO_agentrt-fake-agent\n";
    return 2;
  }
  agentrt::engine_options options;
  options.binaries["fake"] = argv[1];
  agentrt::engine engine{options};

  std::mutex mutex;
  std::condition_variable ended;
  agentrt::session_status final_status = agentrt::session_status::starting;
  agentrt::event_callbacks callbacks;
  callbacks.on_message = [](const agentrt::agent_message& m) {
    std::cout << m.session_id << " #" << m.seq << " " << m.type << " " << m.content << '\n';
  };
  callbacks.on_status = [&](const agentrt::status_change& s) {
    std::cout << s.session_id << " status " << agentrt::to_string(s.status) << '\n';
    if (!agentrt::is_terminal(s.status)) return;
    std::lock_guard<std::mutex> guard{mutex};
    final_status = s.status;
    ended.notify_all();
  };
  engine.subscribe("", callbacks);

  agentrt::query_command query;
  query.session_id = "example";
  query.provider = "fake";
  query.prompt = "show me the tools";
  query.provider_config = R"({"transcript":"tool"})";
  if (auto started = engine.start(query); !started) {
    std::cerr << "embed: " << started.error << '\n';
    return 1;
  }
  std::unique_lock<std::mutex> lock{mutex};
  ended.wait(lock, [&] { return agentrt::is_terminal(final_status); });
  return final_status == agentrt::session_status::done ? 0 : 1;
}
