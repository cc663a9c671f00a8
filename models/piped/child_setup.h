// add_child_setup: what Piped's process knobs make of a SpawnRequest, the
// same for the child and its jobs: the output (piped and tagged, or the
// pod's own), the user it runs as, the terminal, and the environment read
// from --env-file and *_FILE files at each start (docs/lifecycle.md,
// "Starting it").
//
// Called on the lifecycle thread by PipedController before each start of
// the child and by Sidecars and PeriodicJobs before each run of a job.
#pragma once

#include <string>

#include "models/child/spawn.h"
#include "ochopod/piped.h"

namespace ochopod::detail {

// job: the job's name, or empty for the child itself, the one process that
// takes the terminal (two would take it from each other). Throws
// std::runtime_error, naming the file or the user but never a secret, when
// a file cannot be read or the user does not exist: the start fails then,
// as a failed configure() does.
void add_child_setup(const Piped& piped, SpawnRequest& request, const std::string& job = "");

}  // namespace ochopod::detail
