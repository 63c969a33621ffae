"""Application wiring: settings, the PTB Application, the CLI, i18n and the messenger."""
