"""Config flow: name the stack, then add its backends as config subentries.

* The stack (config entry): ``user`` names it, ``reconfigure`` renames it, ``reauth``
  asks for new credentials of the one backend whose credentials stopped working.
* Each backend (config subentry, one type per kind, one flow class for all of them):
  ``user`` adds it and ``reconfigure`` changes it; both validate with the client's
  ``probe()`` before saving and refuse a backend (kind + URL) that any stack already has.
* No form sends a stored secret to the browser: reauthentication and reconfiguration show
  passwords and API keys empty, and an empty one keeps the stored one.
* Options: poll intervals, the music category, the watched containers, the release
  calendar's window.

Saved changes reach the running stack through its update listener: a change of one backend
reloads that backend alone (:mod:`.backend_reload`), any other change the stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import probatio
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_URL
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from stepheybot_music_clients.downloads import MUSIC_FOLDERS
from stepheybot_music_clients.models import BackendKind
from stepheybot_music_clients.transport import InvalidUrlError

from .backend_form import (
    FormErrors,
    UrlCredentialsError,
    async_validate,
    backend_schema,
    backend_unique_id,
    credentials_schema,
    empty_placeholders,
    name_error,
    normalized_url,
    shown_values,
    with_stored_secrets,
)
from .backend_reload import async_schedule_backend_reload
from .backends import BACKEND_TYPES, BackendType
from .const import (
    CONF_CALENDAR_DAYS_AHEAD,
    CONF_CALENDAR_DAYS_BACK,
    CONF_CONTAINERS,
    CONF_FAST_INTERVAL,
    CONF_MUSIC_CATEGORY,
    CONF_MUSIC_FOLDERS,
    CONF_NAME,
    CONF_PUSH,
    CONF_SLOW_INTERVAL,
    CONF_SUBENTRY_ID,
    CONF_SYNC_FORWARDED_PORT,
    DEFAULT_CALENDAR_DAYS_AHEAD,
    DEFAULT_CALENDAR_DAYS_BACK,
    DEFAULT_FAST_INTERVAL,
    DEFAULT_MUSIC_CATEGORY,
    DEFAULT_PUSH,
    DEFAULT_SLOW_INTERVAL,
    DOMAIN,
    MAX_CALENDAR_DAYS,
    MAX_FAST_INTERVAL,
    MAX_SLOW_INTERVAL,
    MIN_FAST_INTERVAL,
    MIN_SLOW_INTERVAL,
)
from .coordinators.docker import DockerRuntime
from .issues import async_clear_backend_issues
from .runtime import StepheyBotConfigEntry

STACK_SCHEMA = probatio.Schema({probatio.Required(CONF_NAME): TextSelector()})


def stack_unique_id(name: str) -> str:
    """A stack's unique id: its name, case-insensitively (one "Home music" only)."""
    return name.casefold()


class StepheyBotConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create, rename and reauthenticate a stack."""

    VERSION = 1
    MINOR_VERSION = 1

    _reauth_subentry: ConfigSubentry

    def _name_taken(self, name: str, *, ignore: str) -> bool:
        return any(
            entry.unique_id == stack_unique_id(name)
            for entry in self._async_current_entries(include_ignore=False)
            if entry.entry_id != ignore
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Name the stack; its backends are added afterwards."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input[CONF_NAME]).strip()
            if (error := name_error(name)) is None:
                await self.async_set_unique_id(stack_unique_id(name))
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=name, data={})
            errors[CONF_NAME] = error
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(STACK_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Rename the stack."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            name = str(user_input[CONF_NAME]).strip()
            if error := name_error(name):
                errors[CONF_NAME] = error
            elif self._name_taken(name, ignore=entry.entry_id):
                errors[CONF_NAME] = "name_taken"
            else:
                return self.async_update_and_abort(
                    entry, title=name, unique_id=stack_unique_id(name)
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                STACK_SCHEMA, user_input or {CONF_NAME: entry.title}
            ),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """A backend rejected its credentials: find out which one."""
        entry = self._get_reauth_entry()
        subentry = entry.subentries.get(str(entry_data.get(CONF_SUBENTRY_ID)))
        if subentry is None or not BACKEND_TYPES[BackendKind(subentry.subentry_type)].credentials:
            return self.async_abort(reason="reauth_backend_unknown")
        self._reauth_subentry = subentry
        self.context["title_placeholders"] = {"name": f"{entry.title}: {subentry.title}"}
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the backend's new credentials and update only that backend."""
        entry = self._get_reauth_entry()
        subentry = self._reauth_subentry
        backend = BACKEND_TYPES[BackendKind(subentry.subentry_type)]
        result = FormErrors(placeholders=empty_placeholders(backend.kind, subentry.title))
        if user_input is not None:
            data = with_stored_secrets(backend, {**subentry.data, **user_input}, subentry.data)
            _, result = await async_validate(self.hass, backend, data, subentry.title)
            if not result:
                async_clear_backend_issues(self.hass, subentry.subentry_id)
                if not self.hass.config_entries.async_update_subentry(entry, subentry, data=data):
                    # the same credentials work again (restored on the backend): the
                    # update listener does not fire, yet polling stopped, so reload it
                    async_schedule_backend_reload(self.hass, entry, subentry.subentry_id)
                return self.async_abort(reason="reauth_successful")
        schema = self.add_suggested_values_to_schema(
            credentials_schema(backend), shown_values(backend, user_input or subentry.data)
        )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=schema,
            errors=result.errors,
            description_placeholders={
                **result.placeholders,
                "application": backend.application,
                "url": str(subentry.data[CONF_URL]),
            },
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry[Any]) -> StackOptionsFlow:
        """The stack's options."""
        return StackOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry[Any]
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """One subentry type per kind of backend ("Add Navidrome", "Add Lidarr", ...)."""
        return {str(kind): BackendSubentryFlow for kind in BACKEND_TYPES}


class StackOptionsFlow(OptionsFlow):
    """Poll intervals, the music category and folders, the watched containers, the calendar."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and save the options (music folders must be absolute paths)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            folders = [str(f).strip() for f in user_input.get(CONF_MUSIC_FOLDERS, [])]
            if all(folder.startswith("/") for folder in folders):
                user_input[CONF_MUSIC_FOLDERS] = [f for f in dict.fromkeys(folders) if f]
                return self.async_create_entry(data=user_input)
            errors[CONF_MUSIC_FOLDERS] = "music_folder_not_absolute"
        options = {**self.config_entry.options, **(user_input or {})}
        watched = [str(name) for name in options.get(CONF_CONTAINERS, [])]
        folders = [str(f) for f in options.get(CONF_MUSIC_FOLDERS, MUSIC_FOLDERS)]
        schema = probatio.Schema(
            {
                probatio.Required(
                    CONF_FAST_INTERVAL,
                    default=options.get(CONF_FAST_INTERVAL, DEFAULT_FAST_INTERVAL),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_FAST_INTERVAL,
                        max=MAX_FAST_INTERVAL,
                        step=1,
                        unit_of_measurement="s",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                probatio.Required(
                    CONF_SLOW_INTERVAL,
                    default=options.get(CONF_SLOW_INTERVAL, DEFAULT_SLOW_INTERVAL),
                ): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_SLOW_INTERVAL,
                        max=MAX_SLOW_INTERVAL,
                        step=1,
                        unit_of_measurement="min",
                        mode=NumberSelectorMode.BOX,
                    )
                ),
                probatio.Required(
                    CONF_MUSIC_CATEGORY,
                    default=options.get(CONF_MUSIC_CATEGORY, DEFAULT_MUSIC_CATEGORY),
                ): TextSelector(),
                probatio.Optional(CONF_MUSIC_FOLDERS, default=folders): SelectSelector(
                    SelectSelectorConfig(
                        options=sorted({*folders, *MUSIC_FOLDERS}),
                        multiple=True,
                        custom_value=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                **{
                    probatio.Required(key, default=options.get(key, default)): NumberSelector(
                        NumberSelectorConfig(
                            min=0,
                            max=MAX_CALENDAR_DAYS,
                            step=1,
                            unit_of_measurement="d",
                            mode=NumberSelectorMode.BOX,
                        )
                    )
                    for key, default in (
                        (CONF_CALENDAR_DAYS_BACK, DEFAULT_CALENDAR_DAYS_BACK),
                        (CONF_CALENDAR_DAYS_AHEAD, DEFAULT_CALENDAR_DAYS_AHEAD),
                    )
                },
                probatio.Required(
                    CONF_SYNC_FORWARDED_PORT,
                    default=bool(options.get(CONF_SYNC_FORWARDED_PORT, False)),
                ): BooleanSelector(),
                probatio.Required(
                    CONF_PUSH, default=options.get(CONF_PUSH, DEFAULT_PUSH)
                ): BooleanSelector(),
                probatio.Optional(CONF_CONTAINERS, default=watched): SelectSelector(
                    SelectSelectorConfig(
                        options=sorted(set(watched) | self._known_containers()),
                        multiple=True,
                        custom_value=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)

    def _known_containers(self) -> set[str]:
        """The containers the stack's Docker backends report now."""
        entry: StepheyBotConfigEntry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return set()
        return {
            name
            for backend in entry.runtime_data.of_type(DockerRuntime)
            for name in backend.reported() or ()
        }


class BackendSubentryFlow(ConfigSubentryFlow):
    """Add or change one backend of a stack; the subentry type says which kind."""

    @property
    def kind(self) -> BackendKind:
        """The kind of backend this flow adds or changes."""
        return BackendKind(self._subentry_type)

    @property
    def _backend(self) -> BackendType:
        return BACKEND_TYPES[self.kind]

    def _duplicate(self, unique_id: str, *, ignore: str | None = None) -> bool:
        """Whether any stack already has this backend."""
        return any(
            subentry.unique_id == unique_id and subentry.subentry_id != ignore
            for entry in self.hass.config_entries.async_entries(DOMAIN)
            for subentry in entry.subentries.values()
        )

    async def _async_check(
        self, user_input: dict[str, Any], *, ignore: str | None = None
    ) -> tuple[str, dict[str, Any], FormErrors]:
        """Validate the form: ``(unique id, data to save, errors)``; aborts on duplicates."""
        backend = self._backend
        result = FormErrors(placeholders=empty_placeholders(self.kind))
        data = {key: value for key, value in user_input.items() if key != CONF_NAME}
        if (error := name_error(str(user_input[CONF_NAME]).strip())) == "invalid_name":
            result.errors[CONF_NAME] = error
            return "", data, result
        try:
            data[CONF_URL] = normalized_url(backend, str(user_input[CONF_URL]))
        except UrlCredentialsError:
            result.errors[CONF_URL] = "url_credentials"
            return "", data, result
        except InvalidUrlError:
            result.errors[CONF_URL] = "invalid_url"
            return "", data, result
        unique_id = backend_unique_id(self.kind, data[CONF_URL])
        if self._duplicate(unique_id, ignore=ignore):
            result.errors[CONF_URL] = "already_configured"
            return unique_id, data, result
        _, result = await async_validate(self.hass, backend, data)
        return unique_id, data, result

    def _form(
        self,
        step_id: str,
        values: Mapping[str, Any],
        result: FormErrors | None = None,
    ) -> SubentryFlowResult:
        """The form of ``step_id`` filled with ``values`` (never a secret: see shown_values)."""
        result = result or FormErrors(placeholders=empty_placeholders(self.kind))
        schema = backend_schema(self._backend, stored=step_id == "reconfigure")
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema, shown_values(self._backend, values)
            ),
            errors=result.errors,
            description_placeholders=result.placeholders,
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add the backend after proving that it answers with these credentials."""
        if user_input is None:
            return self._form("user", {})
        unique_id, data, result = await self._async_check(user_input)
        if result:
            return self._form("user", user_input, result)
        return self.async_create_entry(
            title=str(user_input[CONF_NAME]).strip() or self._backend.application,
            data=data,
            unique_id=unique_id,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change the backend's name, URL, credentials or TLS verification."""
        entry = self._get_entry()
        subentry = self._get_reconfigure_subentry()
        if user_input is None:
            return self._form("reconfigure", {**subentry.data, CONF_NAME: subentry.title})
        user_input = with_stored_secrets(self._backend, user_input, subentry.data)
        unique_id, data, result = await self._async_check(user_input, ignore=subentry.subentry_id)
        if result:
            return self._form("reconfigure", user_input, result)
        async_clear_backend_issues(self.hass, subentry.subentry_id)
        return self.async_update_and_abort(
            entry,
            subentry,
            title=str(user_input[CONF_NAME]).strip() or subentry.title,
            data=data,
            unique_id=unique_id,
        )
