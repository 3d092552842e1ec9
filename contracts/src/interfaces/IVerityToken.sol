// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title The Verity token (VRT)
/// @notice An ERC-20 with EIP-2612 `permit`. The whole supply is minted once, in the constructor, and never again,
/// so `minted()` is a constant and the token's conservation law is
/// `sum of all balances + burned() == minted()` at every block.
/// @dev Burning is ERC20Burnable's `burn`/`burnFrom`: it destroys tokens (lowers `totalSupply`). Slashed stake is
/// burned this way, so `burned() = minted() - totalSupply()` is the running total of everything ever burned.
interface IVerityToken is IERC20, IERC20Permit {
    /// @notice The fixed supply minted at deployment.
    function minted() external view returns (uint256);

    /// @notice Total ever burned: `minted() - totalSupply()`.
    function burned() external view returns (uint256);

    /// @notice Destroys `value` of the caller's tokens.
    function burn(uint256 value) external;

    /// @notice Destroys `value` tokens of `account`, spending the caller's allowance.
    function burnFrom(address account, uint256 value) external;
}
