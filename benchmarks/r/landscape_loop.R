# Full search of Axelrod & Bennett's (1993) landscape, one configuration at a time.
#
# The project's own R code, written for benchmarks/landscape_vs_r.py. It follows the algorithm
# of the published R implementation of the theory by Furnas with Axelrod (2016; see
# tests/fixtures/landscape_syria_2016/PROVENANCE.md) step by step, so that the timing compares
# like with like, but it is not that code:
#   1. every grouping: for t = 1..n, every subset of t actors (combn) on side 1, the rest on
#      side 2 (2^n - 1 groupings, each two-sided configuration and its mirror image);
#   2. for each grouping, in a loop: the distance matrix d_ij (1 when i and j are apart), the
#      matrix d * (s s^T) * p, its row sums (each actor's size-weighted frustration) and its
#      sum (the energy, over ordered pairs);
#   3. keep the groupings with the first actor on side 1 (2^(n-1) configurations);
#   4. for each kept configuration, in a loop: the energies of its n neighbours (one actor
#      switched), each from its own distance matrix; a local minimum when none is lower
#      (ties count as minima).
#
# Usage: Rscript landscape_loop.R ACTORS.csv PROPENSITY.csv OUT.csv [MIDPOINT [TYPE]]
#   ACTORS.csv: columns name,size.  PROPENSITY.csv: labelled square matrix (first column =
#   row names), in the actors' order; MIDPOINT (default 0) is subtracted, the diagonal set to 0.
#   TYPE: "data.frame" (default) keeps the propensities in the data frame that reading the CSV
#   gives, as the published code does, so every product d * (s s^T) * p is data-frame
#   arithmetic (most of its time); "matrix" converts them to a numeric matrix first (the same
#   loops, plain matrix arithmetic).
# Writes OUT.csv (sides 1/2, Energy, <name>_Frustration, Local_Min) and prints the seconds
# spent on steps 1-4 (reading and writing excluded).

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 3) stop("usage: Rscript landscape_loop.R ACTORS.csv PROPENSITY.csv OUT.csv [MIDPOINT]")
midpoint <- if (length(args) >= 4) as.numeric(args[4]) else 0
type <- if (length(args) >= 5) args[5] else "data.frame"
if (!type %in% c("data.frame", "matrix")) stop("TYPE must be data.frame or matrix")

actors <- read.csv(args[1], stringsAsFactors = FALSE)
propensity <- read.csv(args[2], row.names = 1, check.names = FALSE)
propensity <- propensity - midpoint
propensity[row(propensity) == col(propensity)] <- 0
if (type == "matrix") propensity <- as.matrix(propensity)
n <- nrow(propensity)
names_ <- colnames(propensity)
size_product <- outer(as.numeric(actors$size), as.numeric(actors$size))

apart <- function(sides) {
  # 1 where two actors are on different sides (sides coded 1/2)
  1 * outer(sides, sides, "!=")
}

start <- proc.time()[["elapsed"]]

# 1. every grouping, one column each
blocks <- list()
for (t in 1:n) {
  chosen <- combn(n, t)
  block <- matrix(2, nrow = n, ncol = ncol(chosen))
  for (j in seq_len(ncol(chosen))) block[chosen[, j], j] <- 1
  blocks[[t]] <- block
}
groupings <- do.call(cbind, blocks)

# 2. energy and frustrations, grouping by grouping
rows <- vector("list", ncol(groupings))
for (g in seq_len(ncol(groupings))) {
  sides <- groupings[, g]
  weighted <- apart(sides) * size_product * propensity
  rows[[g]] <- c(sides, sum(weighted), apply(weighted, 1, sum))
}
result <- do.call(rbind, rows)

# 3. mirror images once: the first actor on side 1
result <- result[result[, 1] == 1, , drop = FALSE]

# 4. local minima, neighbour by neighbour
local_min <- logical(nrow(result))
for (r in seq_len(nrow(result))) {
  sides <- result[r, 1:n]
  energy <- sum(apart(sides) * size_product * propensity)
  neighbour_energies <- numeric(n)
  for (i in 1:n) {
    flipped <- sides
    flipped[i] <- 3 - flipped[i]
    neighbour_energies[i] <- sum(apart(flipped) * size_product * propensity)
  }
  local_min[r] <- min(neighbour_energies) >= energy
}

seconds <- proc.time()[["elapsed"]] - start

out <- data.frame(result, local_min)
colnames(out) <- c(names_, "Energy", paste0(names_, "_Frustration"), "Local_Min")
write.csv(out, args[3], row.names = FALSE)
cat(sprintf("seconds %.3f\n", seconds))
