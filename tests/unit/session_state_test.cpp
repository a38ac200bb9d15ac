#include "actors/session_state.hpp"

#include <gtest/gtest.h>

namespace {

using agentrt::session_state;
using agentrt::session_status;
using agentrt::turn_event;

turn_event started() {
  return {turn_event::started, {}, {}};
}
turn_event ended_ok() {
  return {turn_event::ended_ok, {}, {}};
}
turn_event ended_error(std::string text) {
  return {turn_event::ended_error, std::move(text), {}};
}

TEST(SessionState, StartsInStarting) {
  session_state s;
  EXPECT_EQ(s.status(), session_status::starting);
}

TEST(SessionState, SuccessfulRunGoesRunningIdleDone) {
  session_state s;
  EXPECT_EQ(s.on_spawned(), session_status::running);
  EXPECT_EQ(s.on_turn(started()), std::nullopt);  // already running
  EXPECT_EQ(s.on_turn(ended_ok()), session_status::idle);
  EXPECT_EQ(s.on_exited(0, 0), std::nullopt) << "terminal only once the output is drained";
  EXPECT_EQ(s.on_drained(), session_status::done);
  EXPECT_EQ(s.exit_code(), 0);
}

TEST(SessionState, DrainBeforeExitAlsoWaitsForTheOther) {
  session_state s;
  s.on_spawned();
  s.on_turn(ended_ok());
  EXPECT_EQ(s.on_drained(), std::nullopt);
  EXPECT_EQ(s.on_exited(0, 0), session_status::done);
}

TEST(SessionState, FollowUpTurnGoesBackToRunning) {
  session_state s;
  s.on_spawned();
  s.on_turn(ended_ok());
  EXPECT_EQ(s.on_turn(started()), session_status::running);
  EXPECT_EQ(s.on_turn(ended_ok()), session_status::idle);
}

TEST(SessionState, ErrorResultDecidesEvenWithExitZero) {
  session_state s;
  s.on_spawned();
  s.on_turn(ended_error("API Error: 401"));
  s.on_exited(0, 0);
  EXPECT_EQ(s.on_drained(), session_status::error);
  EXPECT_EQ(s.error(), "API Error: 401");
}

TEST(SessionState, SuccessfulResultDecidesEvenWithNonZeroExit) {
  session_state s;
  s.on_spawned();
  s.on_turn(ended_ok());
  s.on_exited(1, 0);
  EXPECT_EQ(s.on_drained(), session_status::done);
}

TEST(SessionState, ExitWithoutAResultIsAnErrorEvenWithCodeZero) {
  session_state s;
  s.on_spawned();
  s.on_turn(started());
  s.on_exited(0, 0);
  EXPECT_EQ(s.on_drained(), session_status::error);
  EXPECT_NE(s.error().find("without a final result"), std::string::npos);
}

TEST(SessionState, UnfinishedSecondTurnIsAnError) {
  session_state s;
  s.on_spawned();
  s.on_turn(ended_ok());
  s.on_turn(started());
  s.on_exited(0, 0);
  EXPECT_EQ(s.on_drained(), session_status::error);
}

TEST(SessionState, CrashBySignalIsAnErrorNamingTheSignal) {
  session_state s;
  s.on_spawned();
  s.on_exited(-1, 11);
  EXPECT_EQ(s.on_drained(), session_status::error);
  EXPECT_NE(s.error().find("signal 11"), std::string::npos);
}

TEST(SessionState, StopRequestedEndsStoppedWhateverTheStreamSaid) {
  session_state s;
  s.on_spawned();
  s.on_stop_requested();
  s.on_exited(-1, 9);
  EXPECT_EQ(s.on_drained(), session_status::stopped);
  EXPECT_EQ(s.signal(), 9);
}

TEST(SessionState, AStopWithAReasonEndsAsAnErrorWithIt) {
  session_state s;
  s.on_spawned();
  s.on_turn(turn_event{turn_event::ended_ok, {}, {}});
  s.on_stop_requested("budget exceeded: $0.0048 spent of $0.0010");
  s.on_stop_requested();  // a later plain stop keeps the first reason
  s.on_exited(0, -1);
  EXPECT_EQ(s.on_drained(), session_status::error);
  EXPECT_EQ(s.error(), "budget exceeded: $0.0048 spent of $0.0010");
}

TEST(SessionState, SpawnFailureIsTerminalAtOnce) {
  session_state s;
  EXPECT_EQ(s.on_spawn_failed("agent executable /nope does not exist"), session_status::error);
  EXPECT_EQ(s.error(), "agent executable /nope does not exist");
  EXPECT_EQ(s.on_spawned(), std::nullopt);
}

TEST(SessionState, NothingChangesAfterTheTerminalStatus) {
  session_state s;
  s.on_spawned();
  s.on_turn(ended_ok());
  s.on_exited(0, 0);
  s.on_drained();
  EXPECT_EQ(s.on_turn(started()), std::nullopt);
  EXPECT_EQ(s.on_drained(), std::nullopt);
  EXPECT_EQ(s.status(), session_status::done);
}

TEST(SessionState, TurnEventsAfterExitDoNotClaimTheProcessLives) {
  session_state s;
  s.on_spawned();
  s.on_exited(0, 0);
  EXPECT_EQ(s.on_turn(ended_ok()), std::nullopt) << "no idle: the process is gone";
  EXPECT_EQ(s.on_drained(), session_status::done);
}

TEST(SessionState, AnInterruptedTurnEndsDoneHoweverTheProcessGoes) {
  session_state s;
  s.on_spawned();
  s.on_turn(started());
  s.on_interrupt_requested();
  s.on_turn(ended_error("[ede_diagnostic] interrupted"));
  EXPECT_EQ(s.on_exited(-1, 2), std::nullopt);
  EXPECT_EQ(s.on_drained(), session_status::done);
  EXPECT_EQ(s.error(), "");
}

TEST(SessionState, ANewTurnAfterAnInterruptCountsAgain) {
  session_state s;
  s.on_spawned();
  s.on_interrupt_requested();
  s.on_turn(started());  // the next prompt's turn
  s.on_turn(ended_error("API Error: 500"));
  s.on_exited(1, -1);
  EXPECT_EQ(s.on_drained(), session_status::error);
  EXPECT_EQ(s.error(), "API Error: 500");
}

TEST(SessionState, AnExitWithoutAResultSaysWhatTheAgentLastWroteOnStderr) {
  session_state s;
  s.on_spawned();
  s.on_exited(2, -1);
  EXPECT_EQ(s.on_drained("agentrt-fake-agent: no bundled transcript or file named x"),
            session_status::error);
  EXPECT_EQ(s.error(),
            "the agent exited with code 2 without a final result: agentrt-fake-agent: no bundled "
            "transcript or file named x");
}

}  // namespace

TEST(SessionState, ASilentRunIsStalledUntilOutputComesAgain) {
  session_state s;
  s.on_spawned();
  s.on_turn(started());
  EXPECT_EQ(s.on_stalled(), session_status::stalled);
  EXPECT_FALSE(is_terminal(session_status::stalled));
  EXPECT_EQ(s.on_output_resumed(), session_status::running);
  EXPECT_EQ(s.on_output_resumed(), std::nullopt) << "only a stalled run resumes";
  s.on_turn(ended_ok());
  EXPECT_EQ(s.on_stalled(), session_status::stalled);
  EXPECT_EQ(s.on_output_resumed(), session_status::idle) << "back to what it was";
}

TEST(SessionState, AStalledTurnEventMovesTheRunOnAndASpawnEndsAStallWhileStarting) {
  session_state s;
  EXPECT_EQ(s.on_stalled(), session_status::stalled);
  EXPECT_EQ(s.on_spawned(), session_status::running);
  s.on_stalled();
  EXPECT_EQ(s.on_turn(ended_ok()), session_status::idle);
}

TEST(SessionState, ARunTheWatchdogGaveUpOnIsAnErrorUnlessItsResultWasIn) {
  session_state hung;
  hung.on_spawned();
  hung.on_turn(started());
  hung.on_stalled();
  hung.on_stall_timeout("stalled: no output for 600 s");
  hung.on_exited(-1, 15);
  EXPECT_EQ(hung.on_drained(), session_status::error);
  EXPECT_EQ(hung.error(), "stalled: no output for 600 s");
  EXPECT_TRUE(hung.crashed()) << "a supervisor may restart it";

  session_state lingering;  // the agent gave its result and never exited
  lingering.on_spawned();
  lingering.on_turn(ended_ok());
  lingering.on_stalled();
  lingering.on_stall_timeout("stalled: no output for 600 s");
  lingering.on_exited(-1, 15);
  EXPECT_EQ(lingering.on_drained(), session_status::done);
}

TEST(SessionState, NoStallOnceEnded) {
  session_state s;
  s.on_spawn_failed("no such file");
  EXPECT_EQ(s.on_stalled(), std::nullopt);
}
