// Load driver: N concurrent fake claude agents (../shared/peers/node-sidecar/fake-claude.c, the
// peer's own), each writing K lines of ~600 B, through agentrt embedded in this process
// (--mode inproc) or through any program speaking the sidecar protocol (--mode sidecar -- CMD),
// so the Node sidecar and `agentrt sidecar` are measured the same way. Prints one JSON line.
//
//   agentrt_load_bench --mode inproc  --n 1000 --k 100 [--delay 10] [--scenario run|stop]
//   agentrt_load_bench --mode sidecar --n 1000 -- /path/agentrt sidecar
//   agentrt_load_bench --mode inproc  --n 1000 --node HOST:PORT --node HOST:PORT
//   options: --fake-dir DIR (holds `claude`), --timeout S, --label TEXT; --node (inproc, repeat):
//   the sessions run on these agentrt nodes through a coordinator in this process (the nodes
//   find `claude` on their own PATH; the CPU figure is then the coordinator's).
//
// run: N queries at once; a ping (sidecar) or list() (inproc) every 10 ms until every session
// ended. stuck (sidecar): the host reads nothing for --hold S seconds after the queries, then
// reads everything; the sidecar's peak RSS covers the pause, resume_pong_ms is the first ping
// after it. flood (sidecar; --n 1 and a huge --k): the agent writes at full speed while the host
// reads --read-mbps MB/s (0: as fast as it can, parsing nothing but what it needs) for --hold S
// seconds; RSS is sampled every 500 ms, pings go every 10 ms, then a stop: stop_effect_ms until
// the agent's last line (its own write time), stop_ms until its agent_stopped. stop: the agents
// hang after their init line; once every session is idle the resident memory is read, then all are
// stopped. CPU is the runtime's own (children excluded) from the moment the queries are sent; in
// inproc mode it includes this driver's counting.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <caf/all.hpp>

#include <agentrt/agentrt.hpp>
#include <agentrt/caf.hpp>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "bench/load_stats.hpp"
#include "bench/self_cpu.hpp"
#include "messages/type_ids.hpp"

extern char** environ;

namespace {

using namespace agentrt;
using bench::now_ms;
using bench::self_cpu_s;
using nlohmann::json;

struct options {
  std::string mode = "inproc", scenario = "run", fake_dir, label;
  std::vector<std::string> nodes;  // inproc: the sessions run on these agentrt nodes
  int n = 10, k = 100, delay = 0, timeout = 300;
  double hold_s = 20, read_mbps = 0;
  std::vector<std::string> command;
};

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + a);
      return argv[++i];
    };
    if (a == "--") {
      o.command.assign(argv + i + 1, argv + argc);
      break;
    }
    if (a == "--mode")
      o.mode = next();
    else if (a == "--scenario")
      o.scenario = next();
    else if (a == "--fake-dir")
      o.fake_dir = next();
    else if (a == "--label")
      o.label = next();
    else if (a == "--n")
      o.n = std::stoi(next());
    else if (a == "--k")
      o.k = std::stoi(next());
    else if (a == "--delay")
      o.delay = std::stoi(next());
    else if (a == "--timeout")
      o.timeout = std::stoi(next());
    else if (a == "--hold")
      o.hold_s = std::stod(next());
    else if (a == "--read-mbps")
      o.read_mbps = std::stod(next());
    else if (a == "--node")
      o.nodes.push_back(next());
    else
      throw std::runtime_error("unknown option " + a);
  }
  if (o.fake_dir.empty()) throw std::runtime_error("--fake-dir is required");
  if (o.mode == "sidecar" && o.command.empty()) throw std::runtime_error("sidecar: -- CMD missing");
  return o;
}

void set_fake_env(const options& o) {
  std::string path = o.fake_dir + ":" + (getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
  setenv("PATH", path.c_str(), 1);
  setenv("FAKE_LINES", std::to_string(o.k).c_str(), 1);
  setenv("FAKE_DELAY_MS", std::to_string(o.delay).c_str(), 1);
  setenv("FAKE_HANG", o.scenario == "stop" ? "1" : "0", 1);
}

std::string session_name(int i) {
  return "bench-" + std::to_string(i);
}

// What both modes measured, as one JSON object.
struct run_figures {
  double t_send = 0, t_idle = -1, t_stop_sent = -1, t_all_ended = -1;
  double cpu_s = -1;
  long base_rss_kib = -1, idle_rss_kib = -1, peak_rss_kib = -1;
  std::string end = "ok";
  json extra = json::object();  // the stuck and flood scenarios' own figures
};

json report(const options& o, bench::load_stats& st, run_figures& f) {
  bool stop = o.scenario == "stop";
  bool flood = o.scenario == "flood";
  std::int64_t expected = stop ? o.n : flood ? st.events : std::int64_t{o.n} * (o.k + 2);
  double span_ms = st.last_event_ms - f.t_send;
  json r = {{"label", o.label},
            {"mode", o.mode},
            {"scenario", o.scenario},
            {"n", o.n},
            {"nodes", o.nodes.size()},
            {"k", o.k},
            {"delay_ms", o.delay},
            {"end", f.end},
            {"events", st.events},
            {"expected", expected},
            {"lost", expected - st.events},
            {"late_events", st.late},
            {"misordered_sessions", st.misordered()},
            {"started", st.started},
            {"ended", st.ended},
            {"cpu_s", f.cpu_s},
            {"peak_rss_mb", f.peak_rss_kib / 1024.0},
            {"lat_p50_ms", bench::percentile(st.latencies_ms, 0.5)},
            {"lat_p99_ms", bench::percentile(st.latencies_ms, 0.99)},
            {"lat_max_ms", bench::percentile(st.latencies_ms, 1.0)},
            {"pings", st.ping_ms.size()},
            {"ping_p50_ms", bench::percentile(st.ping_ms, 0.5)},
            {"ping_p99_ms", bench::percentile(st.ping_ms, 0.99)},
            {"ping_max_ms", bench::percentile(st.ping_ms, 1.0)}};
  if (st.events > 0 && f.cpu_s >= 0) r["cpu_us_per_event"] = f.cpu_s * 1e6 / st.events;
  if (span_ms > 0 && !stop) r["events_per_s"] = st.events * 1000.0 / span_ms;
  if (st.all_started_ms > 0) r["spawn_per_s"] = o.n * 1000.0 / (st.all_started_ms - f.t_send);
  if ((stop || flood) && f.t_all_ended > 0) r["stop_ms"] = f.t_all_ended - f.t_stop_sent;
  r.update(f.extra);
  if (stop && f.idle_rss_kib > 0) {
    r["base_rss_mb"] = f.base_rss_kib / 1024.0;
    r["idle_rss_mb"] = f.idle_rss_kib / 1024.0;
    r["idle_kib_per_session"] = double(f.idle_rss_kib - f.base_rss_kib) / o.n;
  }
  return r;
}

// ---- in process: the embedding API, with an actor of ours subscribed to raw lines ----------

struct shared_stats {
  std::mutex lock;
  bench::load_stats stats;
};

struct counting {
  bench::load_stats& stats;

  void operator()(const raw_line& raw) const { stats.on_line(raw.session_id, raw.line); }
  void operator()(const status_change& s) const {
    if (s.status == session_status::running) stats.on_started(s.session_id);
    if (is_terminal(s.status)) stats.on_ended(s.session_id);
  }
  template <class Other>
  void operator()(const Other&) const {}
};

caf::behavior counter(caf::event_based_actor*, shared_stats* shared) {
  return {
    [shared](const session_events& batch) {
      std::lock_guard<std::mutex> guard{shared->lock};
      for (const auto& ev : batch.events) caf::visit(counting{shared->stats}, ev);
    },
  };
}

json run_inproc(const options& o) {
  engine_options eo;
  eo.binaries["claude"] = o.fake_dir + "/claude";
  eo.nodes = o.nodes;             // each node finds the fake claude on its own PATH
  eo.max_per_provider.emplace();  // the load is the runtime's, not its admission policy's
  engine eng{eo};
  shared_stats shared{{}, bench::load_stats{o.n, o.k}};
  auto actor = agentrt::actor_system(eng).spawn(counter, &shared);
  agentrt::subscribe_actor(eng, "", actor, true);
  run_figures f;
  f.base_rss_kib = bench::proc_kib(getpid(), "VmRSS:");
  double cpu0 = self_cpu_s();
  f.t_send = now_ms();
  for (int i = 0; i < o.n; ++i) {
    query_command q;
    q.session_id = session_name(i);
    q.provider = "claude";
    q.prompt = "benchmark prompt " + std::to_string(i);
    // Also in the query, for agents started on a node, whose environment is not this one's.
    for (const char* knob : {"FAKE_LINES", "FAKE_DELAY_MS", "FAKE_HANG"})
      q.extra_env[knob] = getenv(knob);
    if (auto r = eng.start(q); !r) std::cerr << "start " << q.session_id << ": " << r.error << "\n";
  }
  auto progress = [&](auto fn) {
    std::lock_guard<std::mutex> guard{shared.lock};
    return fn(shared.stats);
  };
  double deadline = f.t_send + o.timeout * 1000.0;
  bool stop = o.scenario == "stop";
  while (now_ms() < deadline) {
    if (stop && f.t_stop_sent < 0 && progress([&](auto& s) { return s.inits + s.ended >= o.n; })) {
      f.t_idle = now_ms();
      f.idle_rss_kib = bench::proc_kib(getpid(), "VmRSS:");
      f.t_stop_sent = now_ms();
      for (int i = 0; i < o.n; ++i) eng.stop(session_name(i));
    }
    if (progress([&](auto& s) { return s.ended >= o.n; })) break;
    double t = now_ms();
    eng.list();  // the control plane under load
    double took = now_ms() - t;
    progress([&](auto& s) { return s.ping_ms.push_back(took), 0; });
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  f.t_all_ended = now_ms();
  if (f.t_all_ended >= deadline) f.end = "timeout";
  f.cpu_s = self_cpu_s() - cpu0;
  f.peak_rss_kib = bench::proc_kib(getpid(), "VmHWM:");
  std::lock_guard<std::mutex> guard{shared.lock};
  auto r = report(o, shared.stats, f);
  anon_send_exit(actor, caf::exit_reason::user_shutdown);
  return r;
}

// ---- through a sidecar: its stdin and stdout, one JSON line each way ---------------------

struct sidecar_process {
  pid_t pid = -1;
  int in = -1, out = -1;
};

sidecar_process start_sidecar(const std::vector<std::string>& cmd) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  std::vector<char*> argv;
  for (const auto& a : cmd) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  sidecar_process p;
  if (posix_spawnp(&p.pid, argv[0], &fa, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("cannot start " + cmd[0]);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  p.in = in[1];
  p.out = out[0];
  fcntl(p.in, F_SETFL, O_NONBLOCK);
  return p;
}

class sidecar_driver {
 public:
  sidecar_driver(const options& o) : o_(o), stats_(o.n, o.k), proc_(start_sidecar(o.command)) {}

  json run() {
    read_until([&] { return ready_; }, now_ms() + 30000);
    if (!ready_) return fail("no ready line");
    run_figures f;
    f.base_rss_kib = bench::proc_kib(proc_.pid, "VmRSS:");
    double cpu0 = bench::proc_cpu_s(proc_.pid);
    f.t_send = now_ms();
    for (int i = 0; i < o_.n; ++i)
      queue(json{{"type", "query"},
                 {"sessionId", session_name(i)},
                 {"prompt", "benchmark prompt " + std::to_string(i)}});
    double deadline = f.t_send + o_.timeout * 1000.0;
    bool stop = o_.scenario == "stop";
    if (stop) {
      read_until([&] { return stats_.inits + stats_.ended >= o_.n; }, deadline);
      f.t_idle = now_ms();
      f.idle_rss_kib = bench::proc_kib(proc_.pid, "VmRSS:");
      f.t_stop_sent = now_ms();
      for (int i = 0; i < o_.n; ++i) queue(json{{"type", "stop"}, {"sessionId", session_name(i)}});
    }
    if (o_.scenario == "stuck") stuck(f);
    if (o_.scenario == "flood") return flood(f, cpu0);
    read_until([&] { return stats_.ended >= o_.n && (stop || stats_.events >= expected()); },
               deadline);
    f.t_all_ended = now_ms();
    if (stats_.ended < o_.n) f.end = "timeout";
    // Sessions all ended but lines missing: wait a second of silence for stragglers.
    if (!stop && stats_.events < expected()) read_until([] { return false; }, now_ms() + 1000);
    f.cpu_s = bench::proc_cpu_s(proc_.pid) - cpu0;
    f.peak_rss_kib = bench::proc_kib(proc_.pid, "VmHWM:");
    shut_down();
    return report(o_, stats_, f);
  }

 private:
  std::int64_t expected() const { return std::int64_t{o_.n} * (o_.k + 2); }

  json fail(const std::string& why) {
    shut_down();
    return {{"label", o_.label}, {"mode", o_.mode}, {"n", o_.n}, {"end", why}};
  }

  void queue(const json& request) { pending_ += request.dump() + "\n"; }

  // Writes what is queued, reads nothing, for `seconds`; returns the highest RSS seen.
  long hold(double seconds) {
    long max_rss = 0;
    for (double until = now_ms() + seconds * 1000; now_ms() < until;) {
      if (!pending_.empty())
        if (ssize_t n = write(proc_.in, pending_.data(), pending_.size()); n > 0)
          pending_.erase(0, static_cast<std::size_t>(n));
      max_rss = std::max(max_rss, bench::proc_kib(proc_.pid, "VmRSS:"));
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    return max_rss;
  }

  void stuck(run_figures& f) {
    f.extra["hold_s"] = o_.hold_s;
    f.extra["held_max_rss_mb"] = hold(o_.hold_s) / 1024.0;
    std::size_t before = stats_.ping_ms.size();
    ping_out_ = false;  // a ping goes as the reading starts again
    last_ping_ = 0;
    read_until([&] { return stats_.ping_ms.size() > before; }, now_ms() + 30000);
    if (stats_.ping_ms.size() > before) f.extra["resume_pong_ms"] = stats_.ping_ms[before];
  }

  json flood(run_figures& f, double cpu0) {
    f.extra["hold_s"] = o_.hold_s;
    f.extra["read_mbps"] = o_.read_mbps;
    read_mbps_ = o_.read_mbps;
    t_read0_ = now_ms();
    json rss = json::array();
    for (double end = now_ms() + o_.hold_s * 1000; now_ms() < end;) {
      read_until([] { return false; }, std::min(end, now_ms() + 500));
      rss.push_back(bench::proc_kib(proc_.pid, "VmRSS:") / 1024.0);
    }
    f.extra["rss_mb_every_500ms"] = rss;
    f.extra["bytes_read"] = bytes_read_;
    f.extra["events_read"] = stats_.events;
    f.t_stop_sent = now_ms();
    double stop_wall_us = bench::wall_us();
    queue(json{{"type", "stop"}, {"sessionId", session_name(0)}});
    read_until([&] { return stats_.ended >= o_.n; }, now_ms() + 120000);
    f.t_all_ended = now_ms();
    // How long the agent wrote on after the stop: the last line's own write time.
    f.extra["stop_effect_ms"] = (last_write_us_ - stop_wall_us) / 1000;
    if (stats_.ended < o_.n) f.end = "timeout";
    f.cpu_s = bench::proc_cpu_s(proc_.pid) - cpu0;
    f.peak_rss_kib = bench::proc_kib(proc_.pid, "VmHWM:");
    shut_down();
    return report(o_, stats_, f);
  }

  // Reads lines until done() or the deadline; writes queued requests and a ping every 10 ms.
  template <class Done>
  void read_until(Done done, double deadline) {
    char buf[1 << 16];
    while (!done() && now_ms() < deadline) {
      if (ready_ && !ping_out_ && now_ms() - last_ping_ >= 10) {
        queue(json{{"type", "ping"}});
        ping_out_ = true;
        last_ping_ = now_ms();
      }
      pollfd fds[2] = {{proc_.out, POLLIN, 0},
                       {proc_.in, pending_.empty() ? short(0) : short(POLLOUT), 0}};
      if (poll(fds, 2, 5) < 0) continue;
      if (fds[1].revents & POLLOUT) {
        ssize_t n = write(proc_.in, pending_.data(), pending_.size());
        if (n > 0) pending_.erase(0, static_cast<std::size_t>(n));
      }
      if (!(fds[0].revents & (POLLIN | POLLHUP))) continue;
      // A slow host: no more than read_mbps_ since the reading began.
      if (read_mbps_ > 0 && bytes_read_ > read_mbps_ * 1e3 * (now_ms() - t_read0_)) {
        std::this_thread::sleep_for(std::chrono::milliseconds{2});
        continue;
      }
      ssize_t n = read(proc_.out, buf, sizeof buf);
      if (n <= 0) return;  // the sidecar is gone
      bytes_read_ += n;
      input_.append(buf, static_cast<std::size_t>(n));
      std::size_t start = 0;
      for (std::size_t nl; (nl = input_.find('\n', start)) != std::string::npos; start = nl + 1)
        on_line(std::string_view{input_}.substr(start, nl - start));
      input_.erase(0, start);
    }
  }

  void on_line(std::string_view line) {
    simdjson::dom::element msg;
    if (parser_.parse(line.data(), line.size()).get(msg)) return;
    std::string_view type, session;
    if (msg["type"].get(type)) return;
    if (type == "ready") ready_ = true;
    if (type == "pong") {
      stats_.ping_ms.push_back(now_ms() - last_ping_);
      ping_out_ = false;
    }
    if (msg["sessionId"].get(session)) return;
    std::string id{session};
    if (type == "agent_started") stats_.on_started(id);
    if (type == "agent_stopped" || type == "agent_error") stats_.on_ended(id);
    if (type == "agent_event") {
      // The line inside, as the agent wrote it: the fake's ids and timestamps are in it.
      auto at = line.find("\"event\":");
      stats_.on_line(id, at == std::string_view::npos ? line : line.substr(at));
      last_write_us_ = std::max(last_write_us_, bench::line_write_us(line));
    }
  }

  void shut_down() {
    close(proc_.in);
    for (int waited = 0; waited < 100; ++waited) {
      if (waitpid(proc_.pid, nullptr, WNOHANG) == proc_.pid) return;
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
    kill(proc_.pid, SIGKILL);
    waitpid(proc_.pid, nullptr, 0);
  }

  const options& o_;
  bench::load_stats stats_;
  sidecar_process proc_;
  simdjson::dom::parser parser_;
  std::string pending_, input_;
  bool ready_ = false, ping_out_ = false;
  double last_ping_ = 0;
  double read_mbps_ = 0, t_read0_ = 0, last_write_us_ = 0;
  std::int64_t bytes_read_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    auto o = parse_args(argc, argv);
    set_fake_env(o);
    signal(SIGPIPE, SIG_IGN);
    json r = o.mode == "inproc" ? run_inproc(o) : sidecar_driver{o}.run();
    std::cout << r.dump() << std::endl;
    return r.value("end", "") == "ok" ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "agentrt_load_bench: " << e.what() << "\n";
    return 2;
  }
}
