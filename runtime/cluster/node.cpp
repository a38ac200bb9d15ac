#include "runtime/cluster/node.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <cstring>

#include <iostream>

#include "actors/node_gateway.hpp"
#include "runtime/stop_signals.hpp"

namespace agentrt::cluster {

namespace {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

std::string listen_refusal(const node_options& opts) {
  if (auto problem = cluster_problem(opts.runtime.cluster); !problem.empty()) return problem;
  if (is_loopback(opts.listen.host) || opts.insecure || opts.runtime.cluster.tls.enabled())
    return {};
  return "refusing to listen on " + opts.listen.host +
         " without TLS: sessions run commands on this machine. Use a loopback address, or "
         "--insecure on a network you trust";
}

int run_node(node_options opts) {
  if (auto refusal = listen_refusal(opts); !refusal.empty()) {
    std::cerr << "agentrt node: " << refusal << '\n';
    return 2;
  }
  stop_signals signals;  // before the runtime's threads, which inherit its mask

  opts.runtime.cluster.serve = true;
  opts.runtime.cluster.nodes.clear();
  runtime rt{opts.runtime};
  auto gateway = spawn_node_gateway(rt.system(), rt.supervisor(), opts.orphan_grace);
  const char* host = opts.listen.host.c_str();
  auto port = opts.runtime.cluster.tls.enabled()
                ? caf::openssl::publish(gateway, opts.listen.port, host, true)
                : rt.system().middleman().publish(gateway, opts.listen.port, host, true);
  if (!port) {
    std::cerr << "agentrt node: cannot listen on " << opts.listen.name() << ": "
              << rt.system().render(port.error()) << '\n';
    caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    return 1;
  }
  std::cout << "agentrt node: listening on " << node_address{opts.listen.host, *port}.name()
            << std::endl;
  int sig = signals.wait();
  std::cerr << "agentrt node: " << strsignal(sig) << ": stopping every session\n";
  caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
  return 0;  // the runtime stops the sessions on its way out
}

}  // namespace agentrt::cluster
