// Everything a user's pod needs: the lifecycle and model base classes and
// boot(), run_shell_command() for callbacks that run commands, and
// render_template() for configuration files. Link ochopod::ochopod. A pod
// that takes uploads adds ochopod/archive.h and ochopod/upload_signature.h
// and links ochopod::upload too.
#pragma once

#include "ochopod/boot.h"
#include "ochopod/cluster.h"
#include "ochopod/lifecycle.h"
#include "ochopod/piped.h"
#include "ochopod/reactive.h"
#include "ochopod/secret.h"
#include "ochopod/shell_command.h"
#include "ochopod/template.h"
#include "ochopod/tool.h"
