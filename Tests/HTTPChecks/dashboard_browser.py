"""The dashboard in a real browser (Chromium, headless, driven by Selenium).

Logs in with a token, filters the Amazon Orders grid, opens an order, records a shipment from
the form and waits for the runner's next pass to show it confirmed by Amazon; a screenshot of
each page goes to the folder given as the second argument.

    python3 dashboard_browser.py http://127.0.0.1:PORT SCREENSHOT_FOLDER
"""
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

base, shots = sys.argv[1], sys.argv[2]
os.makedirs(shots, exist_ok=True)

options = webdriver.ChromeOptions()
for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
    options.add_argument(argument)
for binary in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
    if os.path.exists(binary):
        options.binary_location = binary
driver_path = next((p for p in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver") if os.path.exists(p)), None)
browser = webdriver.Chrome(options=options, service=Service(driver_path) if driver_path else None)
browser.implicitly_wait(5)


def shot(name):
    path = os.path.join(shots, name + ".png")
    browser.save_screenshot(path)
    print("screenshot:", path)


def fail(message):
    shot("failure")
    print("FAILED:", message)
    print(browser.page_source[:3000])
    sys.exit(1)


try:
    browser.get(base + "/orders")
    if "/login" not in browser.current_url:
        fail("a stranger was not sent to the login form: " + browser.current_url)
    shot("1-login")
    # The field is found by its label, as a screen reader would.
    token = browser.find_element(By.XPATH, "//label[contains(., 'API token')]//input")
    token.send_keys("ci-operator-token")
    token.submit()
    try:
        WebDriverWait(browser, 15).until(expected_conditions.url_matches(r"/orders$"))
    except Exception:
        fail("login did not lead to the orders: " + browser.current_url)

    # The orders arrive as the sandbox's clock runs: wait for unshipped merchant orders.
    deadline = time.time() + 120
    while True:
        Select(browser.find_element(By.ID, "amazonStatus")).select_by_value("UNSHIPPED")
        Select(browser.find_element(By.ID, "channel")).select_by_value("MFN")
        browser.find_element(By.XPATH, "//button[normalize-space()='Filter']").click()
        WebDriverWait(browser, 15).until(expected_conditions.url_contains("amazonStatus=UNSHIPPED"))
        WebDriverWait(browser, 15).until(lambda page: page.execute_script("return document.readyState") == "complete")
        rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(2) a")
        if rows or time.time() > deadline:
            break
        time.sleep(2)
    if not rows:
        fail("no unshipped merchant-fulfilled order in the grid")
    statuses = {cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(5)")}
    if statuses != {"UNSHIPPED"}:
        fail("the filter let other statuses through: %s" % statuses)
    shot("2-orders-grid")

    # An order whose ship form is offered (a buyer's cancellation request hides nothing here).
    candidates = [row.get_attribute("href") for row in rows]
    for href in candidates:
        browser.get(href)
        if browser.find_elements(By.ID, "ship"):
            break
    else:
        fail("no order offered the ship form")
    order_url = browser.current_url.split("?")[0]
    shot("3-order")

    browser.find_element(By.ID, "carrier").send_keys("UPS")
    browser.find_element(By.ID, "trackingNumber").send_keys("1ZBROWSER001")
    browser.find_element(By.XPATH, "//button[normalize-space()='Record shipment']").click()
    # The click returns before the browser has followed the redirect: wait for the page after it.
    try:
        WebDriverWait(browser, 15).until(expected_conditions.url_contains("notice="))
    except Exception:
        fail("recording the shipment was not confirmed: " + browser.current_url)
    if "recorded" not in browser.find_element(By.CSS_SELECTOR, "p.notice").text:
        fail("the notice does not say the shipment was recorded")
    shot("4-shipment-recorded")

    # The runner confirms it to Amazon on its next pass.
    deadline = time.time() + 90
    while time.time() < deadline:
        browser.get(order_url)
        cells = [row.text for row in browser.find_elements(By.XPATH, "//h2[.='Shipments']/following-sibling::table[1]//tbody/tr")]
        if any("1ZBROWSER001" in text and "confirmed" in text for text in cells):
            break
        time.sleep(2)
    else:
        fail("the shipment was not confirmed by Amazon in time")
    shot("5-shipment-confirmed")

    for path, name in (("/jobs", "6-failed-jobs"), ("/errors", "7-communication-errors"), ("/sources", "8-sources")):
        browser.get(base + path)
        if not browser.find_elements(By.TAG_NAME, "h1"):
            fail(path + " has no heading")
        shot(name)
    print("dashboard in a browser: login, filter, order, ship and confirmation all seen")
finally:
    browser.quit()
