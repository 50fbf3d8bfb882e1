"""Helpers of the robustness tests (GitHub issue 8): generated inputs, in-process builds,
tree snapshots and the hypothesis profiles (ESSAYGEN_HYPOTHESIS_PROFILE=ci|nightly|dev)."""
