"""The grid maze of the book's chapter 3, with tabular Q-learning (written for this project).

A seeker starts in the top-left corner of a 5x5 grid and walks to the goal in the bottom-right corner; the
shortest path takes 8 steps. `train_policy` learns a state-action table by Q-learning, `evaluate_policy` returns
the average number of steps the greedy policy needs (capped at `max_steps` when it never arrives).
"""
from __future__ import annotations

import numpy as np

DOWN, LEFT, UP, RIGHT = range(4)
_MOVES = {DOWN: (1, 0), LEFT: (0, -1), UP: (-1, 0), RIGHT: (0, 1)}


class Environment:
    """A `size` x `size` grid; state = row * size + col; reward 1 on reaching the goal, 0 otherwise."""

    def __init__(self, size: int = 5):
        if size < 2:
            raise ValueError(f"`size` must be >= 2, but got {size!r}")
        self.size = size
        self.num_states = size * size
        self.num_actions = 4
        self.goal = self.num_states - 1
        self.state = 0

    def reset(self) -> int:
        self.state = 0
        return self.state

    def step(self, action: int) -> tuple[int, float, bool]:
        """Move (walls keep the seeker in place); returns (state, reward, done)."""
        row, col = divmod(self.state, self.size)
        d_row, d_col = _MOVES[int(action)]
        row = min(max(row + d_row, 0), self.size - 1)
        col = min(max(col + d_col, 0), self.size - 1)
        self.state = row * self.size + col
        done = self.state == self.goal
        return self.state, (1.0 if done else 0.0), done

    @property
    def shortest_path(self) -> int:
        return 2 * (self.size - 1)


class Policy:
    """A state-action value table; `act` is greedy (first best action), `explore` is epsilon-greedy."""

    def __init__(self, env: Environment):
        self.table = np.zeros((env.num_states, env.num_actions))

    def act(self, state: int) -> int:
        return int(np.argmax(self.table[state]))


def train_policy(
    env: Environment,
    num_episodes: int = 10000,
    weight: float = 0.1,
    discount_factor: float = 0.9,
    *,
    epsilon: float = 0.2,
    max_steps: int = 100,
    seed: int | None = 0,
    policy: Policy | None = None,
) -> Policy:
    """Q-learning: Q[s, a] <- (1 - weight) Q[s, a] + weight (r + discount_factor * max Q[s']).

    Pass `policy` to train an existing policy further (a class trainable does, a few episodes per step).
    """
    rng = np.random.default_rng(seed)
    policy = policy if policy is not None else Policy(env)
    table = policy.table.tolist()  # plain lists: much faster than numpy for single-cell updates
    for _ in range(num_episodes):
        state = env.reset()
        explore = rng.random(max_steps) < epsilon
        random_actions = rng.integers(env.num_actions, size=max_steps)
        ties = rng.random((max_steps, env.num_actions))
        for t in range(max_steps):
            row = table[state]
            if explore[t]:
                action = int(random_actions[t])
            else:  # greedy, ties broken at random so an untrained table still wanders
                best = max(row)
                action = max((a for a in range(env.num_actions) if row[a] == best), key=lambda a: ties[t, a])
            next_state, reward, done = env.step(action)
            target = reward + (0.0 if done else discount_factor * max(table[next_state]))
            row[action] = (1 - weight) * row[action] + weight * target
            state = next_state
            if done:
                break
    policy.table = np.array(table)
    return policy


def evaluate_policy(env: Environment, policy: Policy, num_episodes: int = 10, *, max_steps: int = 100) -> float:
    """The average number of steps the greedy policy takes to reach the goal (`max_steps` when it never does)."""
    total = 0
    for _ in range(num_episodes):
        state, steps, done = env.reset(), 0, False
        while not done and steps < max_steps:
            state, _, done = env.step(policy.act(state))
            steps += 1
        total += steps
    return total / num_episodes


if __name__ == "__main__":
    environment = Environment()
    trained = train_policy(environment, num_episodes=500)
    print(f"average steps to the goal: {evaluate_policy(environment, trained)} (optimum {environment.shortest_path})")
