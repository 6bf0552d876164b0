"""After 立項: grant agreements (資助協議), tranche payments (分期撥款) and budget changes (預算調整)."""
