"""The sign-in dialog: server URL, email, password; errors shown inline under the fields.

The request runs on a short-lived thread (the UI never waits on the network);
its answer comes back through a signal.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.credentials import SignInError, sign_in
from desktop.core.profile import normalize_server_url


class SignInDialog(QDialog):
    """Accepted with ``server_url``, ``email`` and ``tokens`` (the login answer) set."""

    _answered = Signal(object)

    def __init__(
        self,
        *,
        server_url: str = "",
        email: str = "",
        message: str = "",
        transport: httpx.BaseTransport | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle(self.tr("Sign in to Skeleton CRM"))
        self.transport = transport
        self.server_url = ""
        self.email = ""
        self.tokens: dict[str, Any] | None = None
        self._busy = False

        self.server_edit = QLineEdit(server_url)
        self.server_edit.setObjectName("server")
        self.server_edit.setPlaceholderText("http://127.0.0.1:8080")
        self.email_edit = QLineEdit(email)
        self.email_edit.setObjectName("email")
        self.email_edit.setPlaceholderText(self.tr("you@example.com"))
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.server_error = self._error_label("serverError")
        self.password_error = self._error_label("passwordError")
        self.notice = QLabel(message)
        self.notice.setWordWrap(True)
        self.notice.setVisible(bool(message))

        form = QFormLayout()
        form.addRow(self.tr("Server"), self.server_edit)
        form.addRow("", self.server_error)
        form.addRow(self.tr("Email"), self.email_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        form.addRow("", self.password_error)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setText(self.tr("Sign in"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._answered.connect(self._on_answer)
        (self.password_edit if server_url and email else self.server_edit).setFocus()

    def _error_label(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        # Bold text in the theme's own colour (no hard-coded colours), marked by a sign.
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        label.hide()
        return label

    def _show_error(self, label: QLabel, text: str) -> None:
        label.setText(f"⚠ {text}" if text else "")
        label.setVisible(bool(text))

    def submit(self) -> None:
        if self._busy:
            return
        self._show_error(self.server_error, "")
        self._show_error(self.password_error, "")
        try:
            url = normalize_server_url(self.server_edit.text())
        except ValueError as exc:
            self._show_error(self.server_error, self.tr(str(exc)))
            return
        email = self.email_edit.text().strip()
        password = self.password_edit.text()
        if not email or not password:
            self._show_error(self.password_error, self.tr("Enter your email and password."))
            return
        self._busy = True
        self.sign_in_button.setEnabled(False)
        self.sign_in_button.setText(self.tr("Signing in…"))
        self.server_url, self.email = url, email.lower()

        def work() -> None:
            try:
                answer: object = sign_in(url, email, password, transport=self.transport)
            except SignInError as exc:
                answer = exc
            self._answered.emit(answer)

        threading.Thread(target=work, name="crm-sign-in", daemon=True).start()

    def _on_answer(self, answer: object) -> None:
        self._busy = False
        self.sign_in_button.setEnabled(True)
        self.sign_in_button.setText(self.tr("Sign in"))
        if isinstance(answer, dict):
            self.tokens = answer
            self.accept()
            return
        assert isinstance(answer, SignInError)
        if answer.kind == "unreachable":
            self._show_error(
                self.server_error,
                self.tr(
                    "Cannot reach the server at %1. Check the address and your network."
                ).replace("%1", self.server_url),
            )
        elif answer.kind == "not_a_server":
            self._show_error(
                self.server_error,
                self.tr("%1 does not look like a Skeleton CRM server.").replace(
                    "%1", self.server_url
                ),
            )
        elif answer.kind == "wrong_password":
            self._show_error(self.password_error, self.tr("Wrong email or password."))
            self.password_edit.selectAll()
            self.password_edit.setFocus()
        elif answer.kind == "rate_limited":
            self._show_error(
                self.password_error, self.tr("Too many attempts. Wait a minute and try again.")
            )
        else:
            self._show_error(self.password_error, answer.message)
