using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Diagnostics;

namespace Homunculus.Compiler.Diagnostics;

/// <summary>A place in a file (1-based line and column; 0 when unknown).</summary>
public sealed record SourceLocation(string File, int Line = 0, int Column = 0)
{
    public override string ToString() =>
        Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{File}({Line},{Math.Max(Column, 1)})") : File;
}

public sealed record Diagnostic(DiagnosticDescriptor Descriptor, SourceLocation? Location, string Message)
{
    public bool IsError => Descriptor.Severity == DiagnosticSeverity.Error;

    /// <summary>The canonical MSBuild form, which the task turns into build errors with file, line and column.</summary>
    public override string ToString()
    {
        string severity = IsError ? "error" : "warning";
        string prefix = Location is null ? "homunculus" : Location.ToString();
        return $"{prefix}: {severity} {Descriptor.Code}: {OneLine(Message)}";
    }

    private static string OneLine(string text) => text.Replace('\r', ' ').Replace('\n', ' ');
}

/// <summary>Collects diagnostics; stages stop at their boundary when errors were reported.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = new();

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors => _items.Any(d => d.IsError);

    public Diagnostic Report(DiagnosticDescriptor descriptor, SourceLocation? location, params object[] args)
    {
        var diagnostic = new Diagnostic(descriptor, location, descriptor.Format(args));
        _items.Add(diagnostic);
        return diagnostic;
    }
}

/// <summary>Thrown to stop compilation after an error has been reported to the bag.</summary>
public sealed class CompilationFailedException : Exception
{
    public CompilationFailedException() : base("compilation failed; see diagnostics") { }
}
