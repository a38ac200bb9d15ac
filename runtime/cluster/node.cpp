#include "runtime/cluster/node.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <unistd.h>

#include <cstring>

#include <iostream>

#include "actors/node_gateway.hpp"
#include "runtime/cluster/basp_gate.hpp"
#include "runtime/stop_signals.hpp"

namespace agentrt::cluster {

namespace {

// What --insecure gives up, said on stderr each time it is used.
std::string insecure_warning(const node_options& opts) {
  return "agentrt node: --insecure: plain TCP, no authentication: anyone who can connect to " +
         opts.listen.name() + " can run any program as uid " + std::to_string(getuid()) +
         " on this machine. Use it only on a network you trust.";
}

}  // namespace

std::string listen_refusal(const node_options& opts) {
  return cluster_problem(opts.runtime.cluster);
}

int run_node(node_options opts) {
  if (auto refusal = listen_refusal(opts); !refusal.empty()) {
    std::cerr << "agentrt node: " << refusal << '\n';
    return 2;
  }
  stop_signals signals;  // before the runtime's threads, which inherit its mask

  opts.runtime.cluster.serve = true;
  opts.runtime.cluster.nodes.clear();
  if (opts.runtime.cluster.insecure) std::cerr << insecure_warning(opts) << std::endl;
  runtime rt{opts.runtime};
  auto gateway = spawn_node_gateway(rt.system(), rt.supervisor(), opts.orphan_grace);
  const char* host = opts.listen.host.c_str();
  // Plain BASP is published on loopback only, behind the gate that bounds what a peer may claim.
  auto port = rt.tls() ? caf::openssl::publish(gateway, opts.listen.port, host, true)
                       : rt.system().middleman().publish(gateway, 0, "127.0.0.1", true);
  std::unique_ptr<basp_gate> gate;
  std::string refusal = port ? std::string{} : rt.system().render(port.error());
  if (port && !rt.tls()) {
    auto opened = basp_gate::open(opts.listen.host, opts.listen.port, *port);
    if (auto* why = std::get_if<std::string>(&opened)) refusal = *why;
    if (auto* g = std::get_if<std::unique_ptr<basp_gate>>(&opened)) gate = std::move(*g);
    if (gate) port = gate->port();
  }
  if (!refusal.empty()) {
    std::cerr << "agentrt node: cannot listen on " << opts.listen.name() << ": " << refusal << '\n';
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
