namespace LensAI.Cli;

/// <summary>The exit codes of <c>lensai</c> (documented in docs/cli.md).</summary>
public static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>The command ran and failed: a SQL error, an invalid budgets file, a storage error, a job that failed or was busy.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong: an unknown command or option, a missing or malformed value, a project that does not exist, unusable configuration.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C) before it finished.</summary>
    public const int Cancelled = 130;
}
