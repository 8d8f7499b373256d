"""People in the world: persons, business users and invitations, system users, tokens and the
Login dialog's codes. A mixin of ``World``: it uses the world's lock, ids and clock."""

from __future__ import annotations

from .entities import (
    _TOKEN_ALPHABET,
    DEFAULT_USER_SCOPES,
    BusinessUser,
    Invitation,
    LoginCode,
    Person,
    SystemUser,
    Token,
    _email_for,
)


class PeopleAndTokens:
    def add_person(self, name: str, email: str | None = None) -> Person:
        with self.lock:
            person = Person(
                id=self.new_id(), name=name, email=email or _email_for(name, "example.com")
            )
            self.people[person.id] = person
            return person

    def add_business_user(
        self,
        business_id: str,
        name: str | None = None,
        role: str = "EMPLOYEE",
        email: str | None = None,
        person_id: str | None = None,
    ) -> BusinessUser:
        """Add a person (new unless ``person_id``) to a business; ids are business-scoped."""
        with self.lock:
            person = self.people[person_id] if person_id else self.add_person(name or "", email)
            bu = BusinessUser(
                id=self.new_id(),
                business_id=business_id,
                person_id=person.id,
                role=role,
                email=email or person.email,
                name=person.name,
                created_time=self._created(),
            )
            self.business_users[bu.id] = bu
            self._members_of_person.setdefault(person.id, {})[bu.id] = None
            return bu

    def _memberships(self, person_id: str) -> list[BusinessUser]:
        """The person's business users (indexed; re-checked against ``business_users``)."""
        users = self.business_users
        return [
            u
            for i in self._members_of_person.get(person_id, {})
            if (u := users.get(i)) is not None and u.person_id == person_id
        ]

    def invite(self, business_id: str, email: str, role: str = "EMPLOYEE") -> Invitation:
        with self.lock:
            now = self.now()
            inv = Invitation(
                id=self.new_id(),
                business_id=business_id,
                email=email,
                role=role,
                created_time=now,
                expiration_time=now + self.config.invite_ttl_seconds,
            )
            self.invitations[inv.id] = inv
            return inv

    def accept_invitation(self, invitation_id: str, name: str | None = None) -> BusinessUser:
        """What the invitee does in Meta's UI: the invite turns into a business user."""
        with self.lock:
            inv = self.invitations.pop(invitation_id)
            display = name or inv.email.split("@")[0].replace(".", " ").title()
            return self.add_business_user(inv.business_id, display, inv.role, inv.email)

    def add_system_user(
        self,
        business_id: str,
        name: str,
        role: str = "EMPLOYEE",
        app_id: str | None = None,
        obo_partner_id: str | None = None,
    ) -> SystemUser:
        """Create a system user without Meta's caps (scenario building); HTTP enforces caps."""
        with self.lock:
            su = SystemUser(
                id=self.new_id(),
                business_id=business_id,
                name=name,
                role=role,
                created_time=self._created(),
                apps=[app_id] if app_id else [],
                obo_partner_id=obo_partner_id,
            )
            self.system_users[su.id] = su
            return su

    def issue_token(
        self,
        principal_id: str,
        app_id: str,
        scopes: list[str] | None = None,
        type: str | None = None,
        expires_in: float | None = None,
    ) -> Token:
        """Mint a token. ``expires_in=None`` means never (``expires_at`` 0)."""
        with self.lock:
            if type is None:
                type = "SYSTEM_USER" if principal_id in self.system_users else "USER"
            now = int(self.now())
            tok = Token(
                token=self._new_token_string(),
                principal_id=principal_id,
                type=type,
                app_id=app_id,
                scopes=list(scopes if scopes is not None else DEFAULT_USER_SCOPES),
                issued_at=now,
                expires_at=int(now + expires_in) if expires_in is not None else 0,
                data_access_expires_at=(
                    int(now + 90 * 24 * 3600) if type == "USER" else 0
                ),  # DOMAIN §5.2: data access lapses after 90 days for users
            )
            self.tokens[tok.token] = tok
            return tok

    def revoke_token(self, token: str) -> None:
        with self.lock:
            self.tokens[token].valid = False

    def expire_token(self, token: str) -> None:
        """Make a token already expired (for 190/463 tests)."""
        with self.lock:
            self.tokens[token].expires_at = int(self.now()) - 60

    def mint_login_code(
        self,
        person_id: str,
        app_id: str,
        redirect_uri: str = "",
        scopes: list[str] | None = None,
    ) -> str:
        """A Facebook Login ``code`` for ``GET /oauth/access_token?code=`` exchange tests."""
        with self.lock:
            code = "AQ" + "".join(self._rng.choice(_TOKEN_ALPHABET) for _ in range(60))
            self.login_codes[code] = LoginCode(
                code, person_id, app_id, redirect_uri, list(scopes or DEFAULT_USER_SCOPES)
            )
            return code
