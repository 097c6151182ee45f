using System.Collections.Generic;
using Homunculus.Model.Ir;

namespace Homunculus.Compiler.Emitters;

/// <summary>A file an emitter produces, relative to the program's output folder ("/" separators).</summary>
public sealed record GeneratedFile(string RelativePath, string Content);

/// <summary>Lowers a model file to one target's program. Emitters read the model file and nothing else.</summary>
public interface IEmitter
{
    /// <summary>The target folder name ("bmv2", "taurus", ...).</summary>
    string Target { get; }

    /// <summary>Whether this target can run the model (by kind); the compiler skips emitters that cannot.</summary>
    bool Supports(ModelFile model);

    IReadOnlyList<GeneratedFile> Emit(ModelFile model);
}
