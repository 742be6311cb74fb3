namespace LensAI.Samples;

/// <summary>
/// What a sample talks to, from the environment and its command line: the real APIs when their keys are set, the
/// local stand-ins otherwise. <c>--offline</c> ignores the keys (the smoke tests use it); <c>--data-dir &lt;path&gt;</c>
/// moves the embedded backend's data folder (default <c>.lensai/&lt;sample&gt;</c> under the current directory).
/// </summary>
public sealed class SampleSettings
{
    private readonly string[] _args;
    private readonly IReadOnlyDictionary<string, string>? _environment;

    private SampleSettings(string[] args, string sample, IReadOnlyDictionary<string, string>? environment)
    {
        _args = args;
        _environment = environment;
        Offline = args.Contains("--offline", StringComparer.Ordinal);
        DataDirectory = Path.GetFullPath(Option("--data-dir") ?? Path.Combine(".lensai", sample));
    }

    /// <summary>Parses the sample's arguments.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="sample">The sample's name (its default data folder).</param>
    /// <param name="environment">Variables to read instead of the process environment (tests); <see langword="null"/> reads the real one.</param>
    public static SampleSettings From(string[] args, string sample, IReadOnlyDictionary<string, string>? environment = null) => new(args ?? [], sample, environment);

    /// <summary>True with <c>--offline</c>: replay server, embedded backend and local stand-ins whatever the environment says.</summary>
    public bool Offline { get; }

    /// <summary>The embedded backend's data folder.</summary>
    public string DataDirectory { get; }

    /// <summary><c>OPENAI_API_KEY</c>, unless offline: set, the samples call api.openai.com; unset, the replay server.</summary>
    public string? OpenAIApiKey => Env("OPENAI_API_KEY");

    /// <summary><c>LENSAI_ENDPOINT</c>, unless offline: set, events go to that backend (with <c>LENSAI_API_KEY</c>).</summary>
    public string? LensAIEndpoint => Env("LENSAI_ENDPOINT");

    /// <summary><c>LENSAI_API_KEY</c>, the project key for <see cref="LensAIEndpoint"/>.</summary>
    public string? LensAIApiKey => Env("LENSAI_API_KEY");

    /// <summary>An environment variable, or null when it is empty or the sample runs <c>--offline</c>.</summary>
    public string? Env(string name)
    {
        if (Offline)
        {
            return null;
        }

        var value = _environment is null ? Environment.GetEnvironmentVariable(name) : _environment.GetValueOrDefault(name);
        return value is { Length: > 0 } ? value : null;
    }

    /// <summary>The value after <paramref name="name"/> on the command line, if any.</summary>
    public string? Option(string name)
    {
        var at = Array.IndexOf(_args, name);
        return at >= 0 && at + 1 < _args.Length ? _args[at + 1] : null;
    }

    /// <summary>Whether the flag <paramref name="name"/> is on the command line.</summary>
    public bool Flag(string name) => _args.Contains(name, StringComparer.Ordinal);
}
