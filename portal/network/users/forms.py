"""Flask-WTF forms of Admin → Users: the list's filters, inviting or editing a user, the bulk status change."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, SearchField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.accounts.models import ManagerAccess, Role, UserStatus
from portal.forms import ServiceForm, optional_int


class UserFilterForm(FlaskForm):
    """The admin users list's filters, read from the query string (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    role = SelectField(
        "Role",
        choices=[SelectChoice("", "All roles")] + [SelectChoice(r.value, r.label) for r in Role],
        validators=[Optional()],
    )
    status = SelectField(
        "Status", choices=[SelectChoice("", "All statuses")] + [SelectChoice(s.value, s.value) for s in UserStatus],
        validators=[Optional()],
    )
    advertiser = SelectField("Advertiser", coerce=optional_int, validators=[Optional()])
    q = SearchField("Email or name contains", validators=[Optional(), Length(max=254)])
    sort = HiddenField()

    def fill_choices(self, advertisers) -> None:
        self.advertiser.choices = [SelectChoice("", "All advertisers")] + [SelectChoice(a.id, a.name) for a in advertisers]

    def selected_role(self) -> Role | None:
        return Role(self.role.data) if self.role.data and not self.role.errors else None

    def selected_status(self) -> UserStatus | None:
        return UserStatus(self.status.data) if self.status.data and not self.status.errors else None

    def selected_advertiser(self) -> int | None:
        return None if self.advertiser.errors else self.advertiser.data

    def email_query(self) -> str:
        return "" if self.q.errors else (self.q.data or "")

    def query_args(self) -> dict:
        """The valid filters as query arguments, for the pager, the sort links and the bulk form."""
        args = {"role": self.selected_role() and self.role.data, "status": self.selected_status() and self.status.data,
                "advertiser": self.selected_advertiser(), "q": self.email_query()}
        return {name: value for name, value in args.items() if value not in (None, "")}


ACCESS_CHOICES = [SelectChoice(access.value, access.value) for access in ManagerAccess]  # the seed's spelling
ACCESS_HELP = "Account managers only (admins reach everything): Global = all {kind}, Limited = those they manage, Restricted = none."


class UserForm(ServiceForm):
    """Invite a network or advertiser user, or edit a user (a publisher user's role and publisher stay)."""

    email = EmailField("Email")
    first_name = StringField("First name")
    last_name = StringField("Last name")
    phone = StringField("Phone")
    city = StringField("City")
    country = StringField("Country", description="Two-letter ISO code, e.g. US.")
    role = SelectField("Role", choices=[SelectChoice(Role.ADMIN.value, "Network admin"),
                                        SelectChoice(Role.ACCOUNT_MANAGER.value, "Account manager"),
                                        SelectChoice(Role.ADVERTISER.value, "Advertiser user")], validate_choice=False)
    advertiser_id = SelectField("Advertiser", coerce=optional_int, validate_choice=False,
                                description="For advertiser users: the advertiser whose offers they manage.")
    timezone = StringField("Time zone", default="UTC", description="e.g. Europe/Berlin.")
    is_publisher_manager = BooleanField("Publisher manager", description="May be picked as a publisher's account manager.")
    publisher_manager_access = SelectField("Publisher access", choices=ACCESS_CHOICES, default=ManagerAccess.GLOBAL.value,
                                           validate_choice=False, description=ACCESS_HELP.format(kind="publishers"))
    is_advertiser_manager = BooleanField("Advertiser manager", description="May be picked as an advertiser's account manager.")
    advertiser_manager_access = SelectField("Advertiser access", choices=ACCESS_CHOICES, default=ManagerAccess.GLOBAL.value,
                                            validate_choice=False, description=ACCESS_HELP.format(kind="advertisers and their offers"))
    api_access_enabled = BooleanField("API access", default=True,
                                      description="May open the API keys page. Keys already made keep working: they belong to the "
                                                  "network or the advertiser, not to the user.")

    def fill_choices(self, advertisers) -> None:
        self.advertiser_id.choices = [SelectChoice("", "None (network staff)")] + [SelectChoice(a.id, a.name) for a in advertisers]


class UserBulkForm(FlaskForm):
    action = SelectField("With the selected", choices=[SelectChoice("", "Choose an action…"), SelectChoice("activate", "Activate"),
                                                       SelectChoice("deactivate", "Deactivate"), SelectChoice("suspend", "Suspend")],
                         validate_choice=False)
