using System.Collections.ObjectModel;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace ContinuationState.Tests.Browser;

/// <summary>
/// Debian's Chromium, headless, driven through its own chromedriver (packages <c>chromium</c> and
/// <c>chromium-driver</c>, which <c>scripts/chromium.sh</c> installs): nothing is downloaded at test time. Each
/// session has a fresh profile, removed on dispose. Missing binaries fail the test with the fix, never skip it.
/// </summary>
internal sealed class BrowserSession : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly ChromeDriver _driver;
    private readonly string _profile;
    private readonly string _name;

    private BrowserSession(ChromeDriver driver, string profile, string name)
    {
        _driver = driver;
        _profile = profile;
        _name = name;
    }

    public IWebDriver Driver => _driver;

    /// <param name="name">Names the screenshots: <c>artifacts/browser/{name}-{step}.png</c>.</param>
    public static BrowserSession Start(string name)
    {
        var chromium = Environment.GetEnvironmentVariable("CONTINUATIONSTATE_TEST_CHROMIUM") ?? "/usr/bin/chromium";
        var chromedriver = Environment.GetEnvironmentVariable("CONTINUATIONSTATE_TEST_CHROMEDRIVER") ?? "/usr/bin/chromedriver";
        foreach (var binary in new[] { chromium, chromedriver })
        {
            if (!File.Exists(binary))
            {
                throw new InvalidOperationException(
                    $"{binary} is missing: the browser tests need Debian's chromium and chromium-driver packages. " +
                    "Run scripts/chromium.sh as root (./build.sh test does), or point CONTINUATIONSTATE_TEST_CHROMIUM and " +
                    "CONTINUATIONSTATE_TEST_CHROMEDRIVER at a Chromium and its matching chromedriver.");
            }
        }

        var profile = Directory.CreateTempSubdirectory("continuationstate-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
            "--window-size=1200,860", "--lang=en-US", $"--user-data-dir={profile}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(chromedriver)!, Path.GetFileName(chromedriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        try
        {
            return new BrowserSession(new ChromeDriver(service, options, Timeout), profile, name);
        }
        catch
        {
            service.Dispose();
            Directory.Delete(profile, recursive: true);
            throw;
        }
    }

    public void Open(Uri address) => _driver.Navigate().GoToUrl(address);

    public void Reload() => _driver.Navigate().Refresh();

    /// <summary>Opens a second tab on the same address (same profile, so the same sign-in cookie) and switches to it.</summary>
    public string OpenTab(Uri address)
    {
        _driver.SwitchTo().NewWindow(WindowType.Tab);
        _driver.Navigate().GoToUrl(address);
        return _driver.CurrentWindowHandle;
    }

    public string CurrentTab => _driver.CurrentWindowHandle;

    public void SwitchTo(string tab) => _driver.SwitchTo().Window(tab);

    public IWebElement Find(string css) => _driver.FindElement(By.CssSelector(css));

    public ReadOnlyCollection<IWebElement> FindAll(string css) => _driver.FindElements(By.CssSelector(css));

    public string Text(string css) => Find(css).Text;

    public void Type(string css, string text)
    {
        var input = Find(css);
        input.Clear();
        input.SendKeys(text);
    }

    public void Click(string css) => Find(css).Click();

    /// <summary>Waits until an element matching <paramref name="css"/> is displayed; fails with a screenshot otherwise.</summary>
    public IWebElement WaitFor(string css, string? because = null)
        => WaitUntil(_ => FindAll(css).FirstOrDefault(e => e.Displayed), because ?? $"waiting for {css}")!;

    /// <summary>Waits on a DOM condition (no sleeps); on timeout saves a screenshot and says what the page showed.</summary>
    public T WaitUntil<T>(Func<IWebDriver, T> condition, string what)
    {
        var wait = new WebDriverWait(_driver, Timeout) { PollingInterval = TimeSpan.FromMilliseconds(50) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        try
        {
            return wait.Until(condition);
        }
        catch (WebDriverTimeoutException e)
        {
            var screenshot = Screenshot("timeout");
            throw new TimeoutException(
                $"{what}: not within {Timeout.TotalSeconds} s. Page phase '{Attribute("body", "data-phase")}', status " +
                $"'{SafeText("#status")}', transcript '{SafeText("#transcript")}'. Screenshot: {screenshot}", e);
        }
    }

    public string? Attribute(string css, string name)
    {
        try
        {
            return Find(css).GetDomAttribute(name);
        }
        catch (WebDriverException)
        {
            return null;
        }
    }

    /// <summary>Saves <c>artifacts/browser/{name}-{step}.png</c> and returns its path.</summary>
    public string Screenshot(string step)
    {
        var path = Path.Combine(Artifacts.Browser, $"{_name}-{step}.png");
        _driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    public void Dispose()
    {
        _driver.Quit();
        _driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be flushing its profile as it exits; it is a temporary directory.
        }
    }

    private string SafeText(string css)
    {
        try
        {
            return Find(css).Text;
        }
        catch (WebDriverException)
        {
            return "";
        }
    }
}
