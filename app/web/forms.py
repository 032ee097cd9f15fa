"""The forms of the signed-in pages (Flask-WTF: each carries its CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from app.services.accounts.passwords import MAX_LENGTH, MIN_LENGTH

_EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an email address, like ada@example.com.")


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=320), _EMAIL])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)])


class ResetRequestForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=320), _EMAIL])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Choose a password."),
            Length(min=MIN_LENGTH, max=MAX_LENGTH, message=f"Use at least {MIN_LENGTH} characters."),
        ],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired("Repeat the password."), EqualTo("password", "The two differ.")],
    )


class InvitationForm(NewPasswordForm):
    name = StringField("Your name", validators=[Length(max=200)])


class ConfirmForm(FlaskForm):
    """A button and nothing else: the post still carries (and is checked for) its CSRF token."""


class CodeForm(FlaskForm):
    """A 6-digit code from an authenticator app (spaces allowed, as apps show them)."""

    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired("Enter the 6-digit code."), Length(max=12, message="Enter the 6-digit code.")],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password."), Length(max=MAX_LENGTH)]
    )


class AnnotationForm(FlaskForm):
    """An entry of the event log (a launch, an outage, a policy change), added from the trends page."""

    date = DateField("Date", validators=[DataRequired("Enter the day it happened.")])
    label = StringField(
        "What happened",
        validators=[
            DataRequired("Say what happened, in a few words."),
            Length(max=200, message="At most 200 characters."),
        ],
    )
    note = TextAreaField("Note (optional)", validators=[Length(max=5000, message="At most 5,000 characters.")])
