"""Staff accounts in the console, in Chromium against the real stack: the first login
must choose a password; an admin disables, re-enables and resets an account, and
reads the audit log."""

from conftest import DESKTOP, Stack, log_in, screenshot
from playwright.sync_api import Browser, Page, expect

from scripts.stack import Staff

CHOOSE = "Choose your password"


def test_first_login_must_choose_a_password(page: Page, stack: Stack) -> None:
    staff = stack.create_staff("agent-first", "agent", first_login=False)
    page.clock.install()
    log_in(page, stack, staff, lands_on=CHOOSE)
    expect(page.locator("#nav")).to_be_hidden()
    page.get_by_label("One-time password").fill(staff.password)
    page.get_by_label("New password", exact=True).fill("password1234!")
    page.get_by_label("New password again").fill("password1234!")
    # The console's own checks (on landing, then each minute) must not draw the form
    # again over what is typed: the minute passes on the page's clock, and a second
    # is left for any answer to arrive.
    page.clock.run_for(61_000)
    page.wait_for_timeout(1_000)
    expect(page.get_by_label("One-time password")).to_have_value(staff.password)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("most common")
    page.get_by_label("New password", exact=True).fill("plum orchard tuesday kettle")
    page.get_by_label("New password again").fill("plum orchard tuesday kettel")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("not the same")
    screenshot(page, "console-choose-password")
    page.get_by_label("New password again").fill("plum orchard tuesday kettle")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Queue", exact=True)).to_be_visible()
    expect(page.locator("#nav")).to_be_visible()
    expect(page.get_by_role("link", name="Staff accounts")).to_be_hidden()  # an agent
    page.get_by_role("button", name="Log out").click()
    log_in(page, stack, Staff(staff.username, "plum orchard tuesday kettle", staff.role))


def test_admin_disables_resets_and_reads_the_audit_log(
    page: Page, browser: Browser, stack: Stack
) -> None:
    admin = stack.create_staff("admin-browser", "admin")
    agent = stack.create_staff("agent-managed", "agent")
    agent_context = browser.new_context(**DESKTOP)
    agent_page = agent_context.new_page()
    log_in(agent_page, stack, agent)

    log_in(page, stack, admin)
    page.get_by_role("link", name="Staff accounts").click()
    expect(page.get_by_role("heading", name="Staff accounts")).to_be_visible()
    row = page.locator(f'tr[data-username="{agent.username}"]')
    expect(row).to_contain_text("Active")
    expect(
        page.locator(f'tr[data-username="{admin.username}"]').get_by_role(
            "button", name=f"Disable {admin.username}"
        )
    ).to_have_count(0)
    row.get_by_role("button", name=f"Disable {agent.username}").click()
    expect(row).to_contain_text("Disabled")
    screenshot(page, "console-staff-accounts")

    # The agent's open console: its next request finds the session ended.
    agent_page.get_by_role("link", name="Reports").click()
    expect(agent_page.get_by_role("heading", name="Staff login")).to_be_visible()
    expect(agent_page.locator(".notice")).to_contain_text("session ended")
    agent_page.get_by_label("Username").fill(agent.username)
    agent_page.get_by_label("Password", exact=True).fill(agent.password)
    agent_page.get_by_role("button", name="Log in").click()
    expect(agent_page.get_by_role("alert")).to_contain_text("disabled")

    row.get_by_role("button", name=f"Enable {agent.username}").click()
    expect(row).to_contain_text("Active")
    row.get_by_role("button", name=f"Reset password of {agent.username}").click()
    one_time = page.locator(".one-time .secret")
    expect(one_time).to_be_visible()
    expect(row).to_contain_text("Must choose a password")
    reset = Staff(agent.username, one_time.inner_text(), agent.role)
    log_in(agent_page, stack, reset, lands_on=CHOOSE)
    agent_context.close()

    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    log = page.locator("table")
    for action in ("account disabled", "account enabled", "password reset", "login failed"):
        expect(log).to_contain_text(action)
    page.get_by_label("Action").select_option("account_disabled")
    page.get_by_role("button", name="Show").click()
    expect(log.locator("tbody tr")).to_have_count(1)
    expect(log).to_contain_text(agent.username)
    screenshot(page, "console-audit-log")
