namespace LensAI.Capture;

/// <summary>Recognizes LLM API calls by URL. Anything it does not recognize passes through uncaptured.</summary>
internal sealed class ProviderDetector
{
    internal const string OpenAI = "openai";
    internal const string AzureOpenAI = "azure_openai";
    internal const string Anthropic = "anthropic";
    internal const string Gemini = "gemini";
    internal const string VertexAI = "vertex_ai";

    private static readonly (string Host, string Provider)[] s_knownCompatibleHosts =
    [
        ("api.groq.com", "groq"),
        ("api.mistral.ai", "mistral"),
        ("api.together.xyz", "together"),
        ("api.deepseek.com", "deepseek"),
        ("openrouter.ai", "openrouter"),
        ("api.fireworks.ai", "fireworks"),
        ("api.x.ai", "xai"),
        ("api.perplexity.ai", "perplexity"),
    ];

    private readonly (string Prefix, string Provider, bool Inject)[] _configured;

    public ProviderDetector(IEnumerable<OpenAICompatibleEndpoint> compatible)
    {
        _configured = compatible
            .Where(e => e.BaseUrl is not null && e.Provider is not null)
            .Select(e => (e.BaseUrl!.AbsoluteUri.TrimEnd('/'), e.Provider!, e.InjectStreamUsage))
            .OrderByDescending(e => e.Item1.Length)
            .ToArray();
    }

    public bool TryDetect(HttpMethod method, Uri? uri, out ProviderRoute route)
    {
        route = default;
        if (uri is null || !uri.IsAbsoluteUri || method != HttpMethod.Post)
        {
            return false;
        }

        var host = uri.Host;
        var path = uri.AbsolutePath;

        if (_configured.Length > 0)
        {
            var url = uri.AbsoluteUri;
            foreach (var (prefix, provider, inject) in _configured)
            {
                if (url.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                    && (url.Length == prefix.Length || url[prefix.Length] is '/' or '?')
                    && TryOpenAIStyle(path, provider, inject, out route))
                {
                    return true;
                }
            }
        }

        if (host.Equals("api.openai.com", StringComparison.OrdinalIgnoreCase))
        {
            return TryOpenAIStyle(path, OpenAI, canInject: true, out route);
        }

        if (host.EndsWith(".openai.azure.com", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".cognitiveservices.azure.com", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".services.ai.azure.com", StringComparison.OrdinalIgnoreCase))
        {
            return TryAzure(uri, path, out route);
        }

        if (host.Equals("api.anthropic.com", StringComparison.OrdinalIgnoreCase))
        {
            if (path.EndsWith("/v1/messages", StringComparison.Ordinal))
            {
                route = new ProviderRoute(Anthropic, "messages", UsageDialect.Anthropic);
                return true;
            }

            return false;
        }

        if (host.Equals("generativelanguage.googleapis.com", StringComparison.OrdinalIgnoreCase))
        {
            if (path.Contains("/openai/", StringComparison.Ordinal))
            {
                return TryOpenAIStyle(path, Gemini, canInject: true, out route);
            }

            return TryGemini(path, Gemini, out route);
        }

        if (host.EndsWith("aiplatform.googleapis.com", StringComparison.OrdinalIgnoreCase)
            && path.Contains("/publishers/google/models/", StringComparison.Ordinal))
        {
            return TryGemini(path, VertexAI, out route);
        }

        foreach (var (knownHost, provider) in s_knownCompatibleHosts)
        {
            if (host.Equals(knownHost, StringComparison.OrdinalIgnoreCase))
            {
                return TryOpenAIStyle(path, provider, canInject: false, out route);
            }
        }

        return false;
    }

    private static bool TryOpenAIStyle(string path, string provider, bool canInject, out ProviderRoute route)
    {
        path = path.TrimEnd('/');
        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            route = new ProviderRoute(provider, "chat", UsageDialect.OpenAIChat, CanInjectStreamUsage: canInject);
            return true;
        }

        if (path.EndsWith("/responses", StringComparison.Ordinal))
        {
            route = new ProviderRoute(provider, "responses", UsageDialect.OpenAIResponses);
            return true;
        }

        if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            route = new ProviderRoute(provider, "embeddings", UsageDialect.OpenAIEmbeddings);
            return true;
        }

        if (path.EndsWith("/completions", StringComparison.Ordinal))
        {
            route = new ProviderRoute(provider, "completions", UsageDialect.OpenAIChat);
            return true;
        }

        route = default;
        return false;
    }

    private static bool TryAzure(Uri uri, string path, out ProviderRoute route)
    {
        // /openai/deployments/{deployment}/chat/completions?api-version=… or the v1 surface /openai/v1/…
        string? deployment = null;
        const string Marker = "/openai/deployments/";
        var at = path.IndexOf(Marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            var rest = path.AsSpan(at + Marker.Length);
            var slash = rest.IndexOf('/');
            deployment = Uri.UnescapeDataString((slash < 0 ? rest : rest[..slash]).ToString());
        }

        var inject = path.Contains("/openai/v1/", StringComparison.Ordinal) || ApiVersionSupportsStreamOptions(uri.Query);
        if (!TryOpenAIStyle(path, AzureOpenAI, inject, out route))
        {
            return false;
        }

        route = route with { ModelFromUrl = deployment };
        return true;
    }

    /// <summary><c>stream_options</c> is accepted from api-version 2024-09-01-preview (and in every later GA version).</summary>
    internal static bool ApiVersionSupportsStreamOptions(string query)
    {
        const string Key = "api-version=";
        var at = query.IndexOf(Key, StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return false;
        }

        var value = query.AsSpan(at + Key.Length);
        var amp = value.IndexOf('&');
        if (amp >= 0)
        {
            value = value[..amp];
        }

        return value.Length >= 10 && string.CompareOrdinal(value[..10].ToString(), "2024-09-01") >= 0;
    }

    private static bool TryGemini(string path, string provider, out ProviderRoute route)
    {
        route = default;
        var models = path.LastIndexOf("/models/", StringComparison.Ordinal);
        var colon = path.LastIndexOf(':');
        if (models < 0 || colon < models)
        {
            return false;
        }

        var model = Uri.UnescapeDataString(path[(models + "/models/".Length)..colon]);
        var method = path.AsSpan(colon + 1);
        if (method.SequenceEqual("generateContent"))
        {
            route = new ProviderRoute(provider, "generate_content", UsageDialect.Gemini, ModelFromUrl: model);
            return true;
        }

        if (method.SequenceEqual("streamGenerateContent"))
        {
            route = new ProviderRoute(provider, "generate_content", UsageDialect.Gemini, StreamFromUrl: true, ModelFromUrl: model);
            return true;
        }

        return false;
    }
}
