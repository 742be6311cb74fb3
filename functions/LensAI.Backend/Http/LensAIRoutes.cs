namespace LensAI.Backend.Http;

/// <summary>
/// The HTTP API's routes, relative to the site root: the ASP.NET Core app maps them (<c>MapLensAIApi</c>, with the
/// authenticated ones in one <see cref="Api"/> group) and the Azure Functions worker's HTTP triggers declare them (with
/// <c>extensions.http.routePrefix</c> set to <c>""</c> in its host.json), so both hosts answer on the same paths.
/// </summary>
internal static class LensAIRoutes
{
    /// <summary>The API's version prefix: every route below it but Slack's and Stripe's (signed by them) needs a project API key.</summary>
    public const string Api = "v1";

    /// <summary><c>POST</c>: batch ingest.</summary>
    public const string Events = Api + "/events";

    /// <summary><c>GET</c>: the kill-switch document the SDK polls.</summary>
    public const string BudgetsStatus = Api + "/budgets/status";

    /// <summary><c>GET</c>, <c>PUT</c>: the project's budgets.</summary>
    public const string Budgets = Api + "/budgets";

    /// <summary><c>POST</c>: open a budget's override window (admin).</summary>
    public const string BudgetOverride = Api + "/budgets/{id}/override";

    /// <summary><c>POST</c>: raise a budget's limit for this period (admin).</summary>
    public const string BudgetRaise = Api + "/budgets/{id}/raise";

    /// <summary><c>POST</c>: end a budget's override and raise for this period (admin).</summary>
    public const string BudgetReset = Api + "/budgets/{id}/reset";

    /// <summary><c>GET</c>: the project's audit log (admin).</summary>
    public const string Audit = Api + "/audit";

    /// <summary><c>GET</c>: Parquet or CSV of the caller's project.</summary>
    public const string Export = Api + "/export";

    /// <summary><c>GET</c>: the project report (the dashboard's data).</summary>
    public const string Report = Api + "/report";

    /// <summary><c>POST</c>: Slack interactivity (the alert buttons); Slack's signature is the check, not a key.</summary>
    public const string SlackActions = Api + "/slack/actions";

    /// <summary><c>POST</c>: Stripe's subscription events; Stripe's signature is the check, not a key.</summary>
    public const string StripeWebhook = Api + "/stripe/webhook";

    /// <summary><c>GET</c>: liveness and storage reachability.</summary>
    public const string Health = "healthz";

    /// <summary><c>GET</c>, <c>HEAD</c>: the web dashboard and its files.</summary>
    public const string Dashboard = "dashboard/{*path}";

    /// <summary><paramref name="route"/> relative to the <see cref="Api"/> group (<c>v1/events</c> → <c>events</c>).</summary>
    public static string InApi(string route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return route.StartsWith(Api + "/", StringComparison.Ordinal) ? route[(Api.Length + 1)..] : throw new ArgumentException($"'{route}' is not under {Api}/.", nameof(route));
    }
}
