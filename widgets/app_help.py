"""Telling the reader the keys, as part of the App: the help screen (`?`) and the command
palette (`ctrl+p`), both built from the App's bindings so they never drift from them. Mixed
into `reader.app.QariApp`.
"""

from __future__ import annotations

from functools import partial
from typing import Iterable

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from widgets.help_screen import HelpScreen


class KeyHelp:
    """Help screen and command palette entries for `QariApp`."""

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_table(), shape=self.shape, reorder=self.reorder))

    def key_table(self) -> list[tuple[str, str]]:
        rows, seen = [], set()
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action in seen:
                continue
            seen.add(binding.action)
            keys = ", ".join(self.get_key_display(Binding(k, binding.action)) for k in binding.key.split(","))
            rows.append((keys, binding.description))
        rows.extend(self.EXTRA_KEYS)
        return rows

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        seen = {"quit", "copy_or_quit"}
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.get_key_display(Binding(binding.key.split(",")[0], binding.action))
            yield SystemCommand(binding.description, f"{binding.description} (key: {key})",
                                partial(self.call_later, self.run_action, binding.action))
