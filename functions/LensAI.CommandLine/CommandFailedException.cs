namespace LensAI.Cli;

/// <summary>The command ran and failed in a way the user can act on: the message is printed, exit code 1.</summary>
internal sealed class CommandFailedException(string message) : Exception(message);
