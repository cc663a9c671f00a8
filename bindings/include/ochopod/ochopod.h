// Everything a user's pod needs: the lifecycle and model base classes and
// boot(). Link ochopod::ochopod.
#pragma once

#include "ochopod/boot.h"
#include "ochopod/cluster.h"
#include "ochopod/lifecycle.h"
#include "ochopod/piped.h"
#include "ochopod/reactive.h"
#include "ochopod/tool.h"
