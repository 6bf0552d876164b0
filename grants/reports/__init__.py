"""Mid-term and final reports (中期報告 / 結項報告, 自評報告) of a project under agreement."""
