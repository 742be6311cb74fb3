namespace LensAI.Backend.Http;

/// <summary>
/// The HTTP API's routes, relative to the site root: the ASP.NET Core app maps them (<see cref="LensAIEndpoints.MapLensAI"/>)
/// and the Azure Functions worker's HTTP triggers declare them (with <c>extensions.http.routePrefix</c> set to <c>""</c>
/// in its host.json), so both hosts answer on the same paths.
/// </summary>
public static class LensAIRoutes
{
    /// <summary><c>POST</c>: batch ingest.</summary>
    public const string Events = "v1/events";

    /// <summary><c>GET</c>: the kill-switch document the SDK polls.</summary>
    public const string BudgetsStatus = "v1/budgets/status";

    /// <summary><c>GET</c>, <c>PUT</c>: the project's budgets.</summary>
    public const string Budgets = "v1/budgets";

    /// <summary><c>GET</c>: Parquet or CSV of the caller's project.</summary>
    public const string Export = "v1/export";

    /// <summary><c>GET</c>: the project report (the dashboard's data).</summary>
    public const string Report = "v1/report";

    /// <summary><c>POST</c>: Slack interactivity (the alert buttons).</summary>
    public const string SlackActions = "v1/slack/actions";

    /// <summary><c>GET</c>: liveness and storage reachability.</summary>
    public const string Health = "healthz";

    /// <summary><c>GET</c>, <c>HEAD</c>: the web dashboard and its files.</summary>
    public const string Dashboard = "dashboard/{*path}";
}
